/**
 * Shared setup for the replication tests on the in-process cluster: a cluster stopped when
 * the test ends (its state dumped if the test failed), a replicated topic whose followers
 * have all joined the ISR, and the end-of-test check that replicas agree up to the HW.
 */
import assert from 'node:assert/strict';
import type { PartitionState } from '@samsa/broker';
import { buildRecordBatch } from '@samsa/protocol';
import { startCluster, type Cluster, type ClusterBroker } from '@samsa/testing';

interface TestContext {
  after(fn: () => unknown): void;
  diagnostic(message: string): void;
}

export async function cluster(t: TestContext, options: Parameters<typeof startCluster>[0] = {}): Promise<Cluster> {
  const c = await startCluster(options);
  t.after(async () => {
    t.diagnostic(`cluster at the end:\n${c.dump()}`);
    await c.stop();
  });
  return c;
}

export interface Replicated {
  readonly state: PartitionState;
  readonly leader: ClusterBroker;
  readonly followers: ClusterBroker[];
}

/** Creates a one-partition topic and waits (bounded) until every replica is in its ISR. */
export async function replicatedTopic(c: Cluster, name: string, replicationFactor: number, configs: Record<string, string> = {}, replicas?: number[]): Promise<Replicated> {
  await c.brokers[0]!.broker.services.topicAdmin.create({
    name,
    numPartitions: 1,
    replicationFactor,
    configs: new Map(Object.entries(configs)),
    ...(replicas ? { assignments: [replicas] } : {}),
  });
  const state = await c.waitFor(`every replica of ${name}-0 in the ISR`, async () => {
    const s = await c.partitionState(name, 0);
    return s && s.isr.length === replicationFactor ? s : null;
  }, 10_000);
  const leader = c.broker(state.leader);
  await c.waitFor(`${name}-0 led by broker ${state.leader} with the full ISR`, () => {
    const p = leader.broker.services.replicaManager.partition(name, 0);
    return p?.role === 'leader' && p.isr.length === replicationFactor;
  });
  return { state, leader, followers: c.brokers.filter((b) => b !== leader && state.isr.includes(b.nodeId)) };
}

export function batch(values: string[]): Buffer {
  return buildRecordBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });
}

/** Waits (bounded) until `expected` replicas hold the leader's bytes up to its HW. */
export async function assertReplicasIdentical(c: Cluster, topic: string, expected: number[]): Promise<void> {
  let last = '';
  try {
    await c.waitFor(`replicas ${expected} of ${topic}-0 identical up to the HW`, async () => {
      const cmp = await c.compareReplicas(topic, 0);
      last = JSON.stringify(cmp);
      return expected.every((id) => cmp.identical.includes(id));
    }, 10_000);
  } catch (e) {
    assert.fail(`${(e as Error).message}: ${last}`);
  }
}

export async function stateOf(c: Cluster, topic: string): Promise<PartitionState> {
  const s = await c.partitionState(topic, 0);
  assert.ok(s, `${topic}-0 has a state`);
  return s;
}
