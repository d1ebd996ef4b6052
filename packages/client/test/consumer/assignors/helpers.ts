import assert from 'node:assert/strict';
import type { MemberAssignment, MemberSubscription, TopicPartitions } from '../../../src/consumer/assignors/assignor.js';

export function member(
  memberId: string,
  topics: readonly string[],
  opts: Partial<Omit<MemberSubscription, 'memberId' | 'topics'>> = {},
): MemberSubscription {
  return {
    memberId,
    groupInstanceId: opts.groupInstanceId ?? null,
    topics: [...topics].sort(),
    userData: opts.userData ?? null,
    ownedPartitions: opts.ownedPartitions ?? new Map(),
    generationId: opts.generationId ?? -1,
    rackId: opts.rackId ?? null,
  };
}

export function topicsOf(counts: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(counts));
}

/** 't0p1' style names, sorted by topic then partition, per member: easy to compare with Kafka's docs. */
export function names(assignment: ReadonlyMap<string, MemberAssignment>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [memberId, a] of assignment) out[memberId] = flatten(a.partitions);
  return out;
}

export function flatten(tps: TopicPartitions): string[] {
  const out: string[] = [];
  for (const topic of [...tps.keys()].sort()) for (const p of [...tps.get(topic)!].sort((a, b) => a - b)) out.push(`${topic}p${p}`);
  return out;
}

/** 't0p1' names -> TopicPartitions. */
export function tps(...list: string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const name of list) {
    const m = /^(.*)p(\d+)$/.exec(name)!;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), Number(m[2])]);
  }
  return out;
}

/** A small seeded generator (mulberry32), so a failing property run can be replayed from its seed. */
export function seededRandom(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (xs) => xs[int(xs.length)]! };
}

/**
 * Every partition of every subscribed topic goes to at most one member (exactly one when
 * `complete`), and only to a member subscribed to its topic; every member has an entry.
 */
export function assertValid(
  assignment: ReadonlyMap<string, MemberAssignment>,
  members: readonly MemberSubscription[],
  partitionsPerTopic: ReadonlyMap<string, number>,
  context: string,
  complete = true,
): void {
  assert.deepEqual([...assignment.keys()].sort(), members.map((m) => m.memberId).sort(), `${context}: one entry per member`);
  const owner = new Map<string, string>();
  for (const m of members) {
    for (const [topic, partitions] of assignment.get(m.memberId)!.partitions) {
      assert.ok(m.topics.includes(topic), `${context}: ${m.memberId} got ${topic} it does not subscribe to`);
      for (const p of partitions) {
        assert.ok(p >= 0 && p < (partitionsPerTopic.get(topic) ?? 0), `${context}: ${topic}p${p} does not exist`);
        const key = `${topic}p${p}`;
        assert.equal(owner.get(key), undefined, `${context}: ${key} given to ${owner.get(key)} and ${m.memberId}`);
        owner.set(key, m.memberId);
      }
    }
  }
  if (!complete) return;
  for (const [topic, count] of partitionsPerTopic) {
    if (!members.some((m) => m.topics.includes(topic))) continue;
    for (let p = 0; p < count; p++) assert.ok(owner.has(`${topic}p${p}`), `${context}: ${topic}p${p} unassigned`);
  }
}

/** Members with the same subscription differ by at most one partition. */
export function assertBalanced(assignment: ReadonlyMap<string, MemberAssignment>, members: readonly MemberSubscription[], context: string): void {
  const bySubscription = new Map<string, number[]>();
  for (const m of members) {
    const key = m.topics.join(',');
    let n = 0;
    for (const list of assignment.get(m.memberId)!.partitions.values()) n += list.length;
    bySubscription.set(key, [...(bySubscription.get(key) ?? []), n]);
  }
  for (const [key, counts] of bySubscription) {
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${context}: members subscribed to [${key}] hold ${counts.join(', ')} partitions`);
  }
}
