/**
 * Checks shared by the group APIs: the group id and this broker's role as its coordinator.
 */
import { ErrorCode } from '@samsa/protocol';
import type { BrokerServices } from '../broker-services.js';
import { GROUP_ID_MAX_LENGTH } from '../coordinator/group/group-coordinator.js';

/** NONE when this broker may serve the group now, else the error code to answer with. */
export function groupError(broker: BrokerServices, groupId: string): number {
  if (groupId.length === 0 || groupId.length > GROUP_ID_MAX_LENGTH) return ErrorCode.INVALID_GROUP_ID;
  return broker.groupCoordinator.checkCoordinator(groupId);
}
