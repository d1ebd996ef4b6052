import { ErrorCode } from '@samsa/protocol';
import { AdminError } from '../controller/topic-admin.js';

/** Maps an admin failure to (errorCode, errorMessage); anything unexpected is rethrown. */
export function adminFailure(e: unknown): { errorCode: number; errorMessage: string } {
  if (e instanceof AdminError) return { errorCode: e.errorCode, errorMessage: e.message };
  throw e;
}

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;
export const RESOURCE_BROKER_LOGGER = 8;

export { ErrorCode };
