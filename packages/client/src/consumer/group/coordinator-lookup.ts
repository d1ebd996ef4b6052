/**
 * Finds the group's coordinator (FindCoordinator through any broker) and keeps a connection
 * to it apart from the fetch connections, as Java's client does with its coordinator node: a
 * JoinGroup parked for a whole rebalance, or a Fetch parked for fetch.max.wait.ms, must not
 * hold up the other's requests on a shared, in-order connection.
 */
import { ApiKey, type FindCoordinator } from '@samsa/protocol';
import { BrokerPool, type PoolOptions } from '../../connection/broker-pool.js';
import type { BrokerConnection } from '../../connection/connection.js';
import { KafkaProtocolError } from '../../errors.js';

interface CoordinatorNode {
  nodeId: number;
  host: string;
  port: number;
}

export class CoordinatorLookup {
  private node: CoordinatorNode | null = null;
  private finding: Promise<CoordinatorNode> | null = null;
  private readonly pool: BrokerPool;

  constructor(
    private readonly groupId: string,
    private readonly brokers: BrokerPool,
    poolOptions: PoolOptions,
  ) {
    this.pool = new BrokerPool([], poolOptions);
  }

  get known(): boolean {
    return this.node !== null;
  }

  get nodeId(): number {
    return this.node?.nodeId ?? -1;
  }

  /** A connection to the coordinator, finding it first when unknown. A failure forgets it. */
  async connection(): Promise<BrokerConnection> {
    const node = this.node ?? (await (this.finding ??= this.find().finally(() => (this.finding = null))));
    try {
      return await this.pool.connectTo(node.nodeId);
    } catch (e) {
      this.markUnknown();
      throw e;
    }
  }

  private async find(): Promise<CoordinatorNode> {
    const conn = await this.brokers.any();
    const v = conn.version(ApiKey.FindCoordinator);
    const body = v >= 4 ? { keyType: 0, coordinatorKeys: [this.groupId] } : { key: this.groupId, ...(v >= 1 ? { keyType: 0 } : {}) };
    const res = await conn.request<FindCoordinator.FindCoordinatorResponse>(ApiKey.FindCoordinator, body);
    const c = v >= 4 ? res.coordinators[0] : { errorCode: res.errorCode, errorMessage: res.errorMessage, nodeId: res.nodeId, host: res.host, port: res.port };
    if (!c) throw new KafkaProtocolError(15, `no coordinator for group ${this.groupId} in the response`);
    if (c.errorCode !== 0) throw new KafkaProtocolError(c.errorCode, c.errorMessage ?? `find coordinator for group ${this.groupId}`);
    const node = { nodeId: c.nodeId, host: c.host, port: c.port };
    this.pool.setNodes([node]);
    this.node = node;
    return node;
  }

  /** The coordinator moved or failed: the next request looks for it again. */
  markUnknown(): void {
    this.node = null;
  }

  close(): Promise<void> {
    this.node = null;
    return this.pool.close();
  }
}
