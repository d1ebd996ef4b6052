/**
 * The shape of one row of the kafkajs interop table, and the small helpers the rows share.
 *
 * A row names one API as kafkajs files it (requests/<api>/) and lists, per version:
 *  - request samples: the arguments kafkajs's request builder takes, and the same request as
 *    our generated Input type. The bytes must be equal, and our decoder must read kafkajs's
 *    bytes back to the same fields.
 *  - response samples: a response as our Input type, and what kafkajs's decoder must return
 *    for our bytes (a subset: only the keys listed are compared; arrays must match in length).
 */

export type Many<T> = T | T[];

export interface RequestSample {
  /** The argument kafkajs's requests/<api>/v<N>/request.js takes. */
  kafkajs: unknown;
  /** The same request, as our encode<Api>Request takes it. */
  ours: object;
}

export interface ResponseSample {
  /** A response, as our encode<Api>Response takes it. */
  ours: object;
  /** What kafkajs's decode() must return for our bytes (keys not listed are not compared). */
  kafkajs: unknown;
  /** For response modules that are factories over the request (DeleteRecords). */
  requestArgs?: unknown;
}

export interface Case {
  /** kafkajs's folder under src/protocol/requests. */
  api: string;
  apiKey: number;
  versions: readonly number[];
  request(version: number): Many<RequestSample> | Promise<Many<RequestSample>>;
  response(version: number): Many<ResponseSample> | Promise<Many<ResponseSample>>;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** `fields` at versions >= `min`, else nothing: for fields a version does not have. */
export function since<T extends object>(version: number, min: number, fields: T): T | Record<never, never> {
  return version >= min ? fields : {};
}

/** `fields` at versions in min..max only. */
export function between<T extends object>(version: number, min: number, max: number, fields: T): T | Record<never, never> {
  return version >= min && version <= max ? fields : {};
}

/**
 * kafkajs's throttle fields: it reads throttle_time_ms from version `first`; from version
 * `clientSide` on (KIP-219) it reports the value as clientSideThrottleTime and throttleTime 0.
 */
export function kafkajsThrottle(version: number, first: number, clientSide: number, ms: number): object {
  if (version < first) return {};
  if (version < clientSide) return { throttleTime: ms };
  return { throttleTime: 0, clientSideThrottleTime: ms };
}

/** int64 values past 2^53, where a number-based codec would lose precision. */
export const BIG = 2n ** 53n + 7n;
export const HUGE = 0x7fff_ffff_ffff_fff0n;

export const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
