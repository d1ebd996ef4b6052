/**
 * The check every fault test ends with: the replicas of a partition hold the same bytes up
 * to the leader's high watermark. Each running broker's log is read directly (not over the
 * network, so a paused or isolated broker is read as it is) from the highest log start among
 * them to the HW, and compared with the leader's.
 */
import type { ClusterBroker } from './cluster-broker.js';

export interface ReplicaComparison {
  readonly leader: number;
  readonly highWatermark: number;
  /** The brokers whose bytes up to the HW match the leader's (the leader included). */
  readonly identical: number[];
  /** Brokers that differ, or hold less than the HW, with the reason. */
  readonly differing: Array<{ nodeId: number; reason: string }>;
}

const READ_BYTES = 64 << 20;

export async function compareReplicas(brokers: readonly ClusterBroker[], topic: string, partition: number): Promise<ReplicaComparison> {
  const replicas = brokers.flatMap((b) => {
    if (b.status === 'stopped' || b.status === 'killed') return [];
    const p = b.broker.services.replicaManager.partition(topic, partition);
    return p ? [{ nodeId: b.nodeId, p }] : [];
  });
  const leader = replicas.find((r) => r.p.role === 'leader');
  if (!leader) throw new Error(`no running broker leads ${topic}-${partition}`);
  const hw = leader.p.highWatermark;
  const from = Math.max(...replicas.map((r) => r.p.logStartOffset));
  // A read stops at a segment's end: read on until the HW.
  const read = async (r: (typeof replicas)[number]): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for (let offset = from; offset < hw; ) {
      const got = await r.p.log.read(offset, READ_BYTES, { maxOffset: hw, minOneBatch: true });
      if (got.records.length === 0 || got.nextOffset <= offset) break;
      parts.push(Buffer.from(got.records));
      offset = got.nextOffset;
    }
    return Buffer.concat(parts);
  };
  const expected = await read(leader);
  const identical: number[] = [];
  const differing: Array<{ nodeId: number; reason: string }> = [];
  for (const r of replicas) {
    if (r.p.logEndOffset < hw) {
      differing.push({ nodeId: r.nodeId, reason: `log end ${r.p.logEndOffset} is below the HW ${hw}` });
      continue;
    }
    const bytes = await read(r);
    if (bytes.equals(expected)) identical.push(r.nodeId);
    else differing.push({ nodeId: r.nodeId, reason: `${bytes.length} bytes from offset ${from} differ from the leader's ${expected.length}` });
  }
  return { leader: leader.nodeId, highWatermark: hw, identical: identical.sort(), differing };
}
