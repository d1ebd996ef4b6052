/**
 * The group coordinator lookup for the admin client (FindCoordinator, key type 0 = group),
 * cached per group until a request to it fails with NOT_COORDINATOR or a lost connection.
 * The consumer has its own; the two are to be unified.
 *
 * Group requests go out one per coordinator: `coordinatorRound` looks each pending group's
 * coordinator up, groups them, and sends the groups' requests together.
 */
import { ApiKey, ErrorCode, type FindCoordinator } from '@samsa/protocol';
import type { BrokerConnection } from '../connection/connection.js';
import { KafkaProtocolError, SamsaClientError } from '../errors.js';
import type { AdminContext, ItemOutcome } from './context.js';

const GROUP_KEY_TYPE = 0;
/** FindCoordinator takes several keys at once from v4 (Kafka 3.0). */
const BATCHED_VERSION = 4;

export class CoordinatorLookup {
  private readonly cache = new Map<string, number>();

  constructor(private readonly ctx: AdminContext) {}

  /** The coordinator's node id; throws a KafkaProtocolError (COORDINATOR_NOT_AVAILABLE is retriable). */
  async find(groupId: string, deadline: number): Promise<number> {
    const known = this.cache.get(groupId);
    if (known !== undefined) return known;
    const conn = await this.ctx.any();
    const v = conn.version(ApiKey.FindCoordinator);
    const req: FindCoordinator.FindCoordinatorRequestInput = v >= BATCHED_VERSION ? { keyType: GROUP_KEY_TYPE, coordinatorKeys: [groupId] } : { key: groupId, ...(v >= 1 ? { keyType: GROUP_KEY_TYPE } : {}) };
    const res = await this.ctx.send<FindCoordinator.FindCoordinatorResponse>(conn, ApiKey.FindCoordinator, req, deadline);
    const c = v >= BATCHED_VERSION ? res.coordinators.find((x) => x.key === groupId) : { errorCode: res.errorCode, errorMessage: res.errorMessage, nodeId: res.nodeId };
    if (!c) throw new SamsaClientError('BAD_RESPONSE', `FindCoordinator answered without group ${groupId}`, { retriable: true });
    if (c.errorCode !== 0) throw new KafkaProtocolError(c.errorCode, `coordinator of group ${groupId}`);
    this.cache.set(groupId, c.nodeId);
    return c.nodeId;
  }

  invalidate(groupId: string): void {
    this.cache.delete(groupId);
  }
}

/**
 * One round over `pending` group ids: look up coordinators, send one request per coordinator
 * (`send` returns outcomes by group id). A group whose coordinator cannot be found settles
 * with `fail` when the error is final, and is retried otherwise; a retried group forgets its
 * coordinator, so the next round asks again.
 */
export async function coordinatorRound<R>(
  ctx: AdminContext,
  lookup: CoordinatorLookup,
  deadline: number,
  pending: readonly string[],
  send: (conn: BrokerConnection, groupIds: string[], coordinator: number) => Promise<Map<string, ItemOutcome<R>>>,
  fail: (groupId: string, error: KafkaProtocolError) => R,
): Promise<Map<string, ItemOutcome<R>>> {
  const out = new Map<string, ItemOutcome<R>>();
  const byNode = new Map<number, string[]>();
  await Promise.all(
    pending.map(async (g) => {
      try {
        const node = await lookup.find(g, deadline);
        byNode.set(node, [...(byNode.get(node) ?? []), g]);
      } catch (e) {
        if (e instanceof KafkaProtocolError && !e.retriable) out.set(g, { result: fail(g, e) });
        else if (e instanceof SamsaClientError && e.retriable) out.set(g, { retry: e });
        else throw e;
      }
    }),
  );
  await Promise.all(
    [...byNode].map(async ([node, groups]) => {
      try {
        for (const [g, o] of await send(await ctx.node(node, deadline), groups, node)) out.set(g, o);
      } catch (e) {
        if (!(e instanceof SamsaClientError) || !e.retriable) throw e;
        for (const g of groups) out.set(g, { retry: e });
      }
    }),
  );
  for (const [g, o] of out) if ('retry' in o) lookup.invalidate(g);
  return out;
}

/** The group-level error a coordinator may answer that another round can cure. */
export function coordinatorMoved(errorCode: number): boolean {
  return errorCode === ErrorCode.NOT_COORDINATOR || errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE || errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
}
