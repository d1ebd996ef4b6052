/**
 * Spreads partition replicas over brokers so that leaders (the first replica) rotate over
 * the brokers and each partition's followers follow round the ring with a shift that grows
 * per wrap, so follower load spreads too (Kafka's scheme). With racks set, the ring
 * alternates racks, and a follower skips brokers on racks the partition already uses while
 * some rack is still unused.
 */
export interface BrokerSlot {
  id: number;
  rack: string | null;
}

/** Alternates racks: [a1, b1, c1, a2, b2, ...]; plain id order when no rack is set. */
function rackAlternated(brokers: readonly BrokerSlot[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of [...brokers].sort((x, y) => x.id - y.id)) {
    const rack = b.rack ?? '';
    if (!byRack.has(rack)) byRack.set(rack, []);
    byRack.get(rack)!.push(b.id);
  }
  if (byRack.size <= 1) return [...brokers].map((b) => b.id).sort((a, b) => a - b);
  const racks = [...byRack.keys()].sort();
  const out: number[] = [];
  for (let i = 0; out.length < brokers.length; i++) {
    for (const r of racks) {
      const ids = byRack.get(r)!;
      if (i < ids.length) out.push(ids[i]!);
    }
  }
  return out;
}

/**
 * Replicas for `count` partitions numbered from `firstPartition`, `replicationFactor` each
 * (at most the number of brokers). Deterministic, so tests can predict it.
 */
export function assignReplicas(
  brokers: readonly BrokerSlot[],
  count: number,
  replicationFactor: number,
  firstPartition = 0,
): number[][] {
  const ring = rackAlternated(brokers);
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack ?? '']));
  const rackCount = new Set(rackOf.values()).size;
  const n = ring.length;
  const out: number[][] = [];
  for (let p = firstPartition; p < firstPartition + count; p++) {
    const first = p % n;
    const secondShift = Math.floor(p / n) % Math.max(1, n - 1);
    const replicas = [ring[first]!];
    const racks = new Set([rackOf.get(ring[first]!)]);
    for (let j = 0; j < replicationFactor - 1; j++) {
      const start = (first + 1 + ((secondShift + j) % (n - 1))) % n;
      const pick = pickFollower(ring, start, (b) => !replicas.includes(b) && (racks.size >= rackCount || !racks.has(rackOf.get(b))))
        ?? pickFollower(ring, start, (b) => !replicas.includes(b))!;
      replicas.push(pick);
      racks.add(rackOf.get(pick));
    }
    out.push(replicas);
  }
  return out;
}

/** The first broker round the ring from `start` that `ok` accepts. */
function pickFollower(ring: readonly number[], start: number, ok: (b: number) => boolean): number | undefined {
  for (let k = 0; k < ring.length; k++) {
    const b = ring[(start + k) % ring.length]!;
    if (ok(b)) return b;
  }
  return undefined;
}
