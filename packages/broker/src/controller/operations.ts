/**
 * What the controller-operation handlers (ElectLeaders, AlterPartitionReassignments,
 * ListPartitionReassignments) and the auto leader rebalance reach: each runs on the active
 * controller's chain, so it never interleaves with a reconciliation, and resolves with null
 * on a broker that is not the active controller (the handler answers NOT_CONTROLLER, and
 * admin clients look the controller up again). A write waits (bounded) until this broker's
 * view shows it, so a Metadata request right after the response sees the new leaders.
 */
import type { ClusterMetadata } from '../metadata/cluster-metadata.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Logger } from '../platform/logger.js';
import type { Controller } from './controller.js';
import type { ControllerFence } from './fenced-writes.js';
import { electLeaders, FencedError, partitionsToRebalance, type ElectionResults } from './preferred-election.js';
import { alterReassignments, listReassignments, type OngoingReassignment, type ReassignRequest, type ReassignResult } from './reassignment.js';
import { ElectionType } from './operation-rules.js';

const VIEW_CATCH_UP_MS = 10_000;

export interface AutoRebalanceSettings {
  readonly enable: boolean;
  readonly percentage: number;
  readonly intervalMs: number;
}

export class ControllerOperations {
  private controller: Controller | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: MetadataStore,
    private readonly metadata: ClusterMetadata,
    private readonly log: Logger,
  ) {}

  /** The controller exists only once the broker has registered; handlers answer NOT_CONTROLLER before. */
  attach(controller: Controller, rebalance: AutoRebalanceSettings): void {
    this.controller = controller;
    if (!rebalance.enable) return;
    // Every broker keeps the timer; only the active controller acts on it (Kafka schedules it on controller failover).
    this.timer = setInterval(() => void this.rebalance(rebalance.percentage), Math.min(rebalance.intervalMs, 2 ** 31 - 1));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get isController(): boolean {
    return this.controller?.isActive ?? false;
  }

  async electLeaders(type: number, partitions: ReadonlyMap<string, readonly number[]> | null): Promise<ElectionResults | null> {
    const results = await this.exclusive((fence) => electLeaders(this.store, this.metadata, fence, type, partitions));
    if (results && results.revision > 0) await this.metadata.awaitRevision(results.revision, VIEW_CATCH_UP_MS);
    return results;
  }

  async alterReassignments(topic: string, requests: readonly ReassignRequest[]): Promise<ReassignResult[] | null> {
    const out = await this.exclusive((fence) => alterReassignments(this.store, this.metadata, fence, topic, requests));
    if (out && out.revision > 0) await this.metadata.awaitRevision(out.revision, VIEW_CATCH_UP_MS);
    return out?.results ?? null;
  }

  listReassignments(wanted: ReadonlyMap<string, readonly number[]> | null): Promise<Map<string, OngoingReassignment[]> | null> {
    return this.exclusive(() => listReassignments(this.store, wanted));
  }

  /** One leader.imbalance.check.interval.seconds tick of auto.leader.rebalance.enable. */
  async rebalance(percentage: number): Promise<void> {
    if (!this.isController) return;
    try {
      await this.exclusive(async (fence) => {
        const wanted = partitionsToRebalance(this.metadata, percentage);
        if (wanted.size === 0) return;
        const { byTopic } = await electLeaders(this.store, this.metadata, fence, ElectionType.PREFERRED, wanted);
        const elected = [...byTopic].flatMap(([t, rs]) => rs.filter((r) => r.errorCode === 0).map((r) => `${t}-${r.partition}`));
        if (elected.length > 0) this.log.info({ partitions: elected }, 'auto leader rebalance: preferred leaders elected');
      });
    } catch (e) {
      this.log.warn({ err: e }, 'auto leader rebalance failed');
    }
  }

  private async exclusive<T>(work: (fence: ControllerFence) => Promise<T>): Promise<T | null> {
    const controller = this.controller;
    if (!controller) return null;
    try {
      return await controller.runExclusive(work);
    } catch (e) {
      if (!(e instanceof FencedError)) throw e;
      controller.fenced();
      return null;
    }
  }
}
