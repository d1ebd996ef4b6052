/**
 * What heartbeats and commits may do to the membership when the coordinator answers with a
 * group error (Kafka's AbstractCoordinator reactions), so that they need not know its
 * internals.
 */
import type { SamsaClientError } from '../../errors.js';
import type { Member } from './group-requests.js';

export interface MembershipControl {
  /** The identity requests carry now. */
  member(): Member;
  /** REBALANCE_IN_PROGRESS: rejoin at the next poll, keeping the member id. */
  requestRejoin(reason: string): void;
  /** UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION: forget the member id and generation, then rejoin. */
  resetGeneration(reason: string): void;
  /** NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE or a failed connection: find the coordinator again. */
  coordinatorUnknown(): void;
  /** FENCED_INSTANCE_ID and the like: the consumer cannot go on; poll() throws this from now on. */
  fail(err: SamsaClientError): void;
}
