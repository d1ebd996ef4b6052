/**
 * A group changing over time, for the sticky assignors' property tests: members join and leave,
 * change subscriptions, topics appear, grow and vanish. Each member remembers what it was given
 * and in which generation, as a consumer would.
 */
import type { MemberAssignment, TopicPartitions } from '../../../src/consumer/assignors/assignor.js';
import { seededRandom } from './helpers.js';

export interface SimMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  topics: string[];
  /** What the member holds now. */
  owned: Map<string, number[]>;
  /** The generation `owned` was given in; -1 before the first. */
  generationId: number;
}

export type Mode = 'same' | 'mixed';

export class GroupSim {
  readonly random: ReturnType<typeof seededRandom>;
  readonly topics = new Map<string, number>();
  members: SimMember[] = [];
  generationId = 0;
  private nextId = 0;
  private nextTopic = 0;

  constructor(
    readonly seed: number,
    readonly mode: Mode,
  ) {
    this.random = seededRandom(seed);
    for (let i = 0; i < 3; i++) this.addTopic();
    for (let i = 0; i < 3; i++) this.join();
  }

  private addTopic(): void {
    this.topics.set(`topic-${this.nextTopic++}`, 1 + this.random.int(8));
  }

  private subscription(): string[] {
    const all = [...this.topics.keys()];
    if (this.mode === 'same') return this.members[0]?.topics ?? all;
    const picked = all.filter(() => this.random.next() < 0.5);
    return (picked.length > 0 ? picked : [this.random.pick(all)]).sort();
  }

  private join(): void {
    const id = this.nextId++;
    const isStatic = this.random.next() < 0.3;
    this.members.push({
      memberId: `member-${this.random.int(1000)}-${id}`,
      groupInstanceId: isStatic ? `instance-${id}` : null,
      topics: this.subscription(),
      owned: new Map(),
      generationId: -1,
    });
  }

  /** One random change to the group or its topics; returns what it did, for failure messages. */
  step(): string {
    const r = this.random.int(7);
    if (r === 0 && this.members.length < 9) {
      this.join();
      return 'join';
    }
    if (r === 1 && this.members.length > 1) {
      this.members.splice(this.random.int(this.members.length), 1);
      return 'leave';
    }
    if (r === 2) {
      if (this.mode === 'same') {
        const all = [...this.topics.keys()].filter(() => this.random.next() < 0.7);
        const topics = (all.length > 0 ? all : [...this.topics.keys()].slice(0, 1)).sort();
        for (const m of this.members) m.topics = topics;
      } else this.random.pick(this.members).topics = this.subscription();
      return 'resubscribe';
    }
    if (r === 3) {
      const topic = this.random.pick([...this.topics.keys()]);
      this.topics.set(topic, this.topics.get(topic)! + 1 + this.random.int(4));
      return 'add partitions';
    }
    if (r === 4 && this.topics.size < 6) {
      this.addTopic();
      return 'new topic';
    }
    if (r === 5 && this.topics.size > 1) {
      const topic = this.random.pick([...this.topics.keys()]);
      this.topics.delete(topic);
      for (const m of this.members) {
        m.topics = m.topics.filter((t) => t !== topic);
        if (m.topics.length === 0) m.topics = [[...this.topics.keys()][0]!];
      }
      if (this.mode === 'same') for (const m of this.members) m.topics = this.members[0]!.topics;
      return 'delete topic';
    }
    return 'rejoin';
  }

  /** Partition counts of subscribed topics, as the leader's metadata would give them. */
  partitionsPerTopic(): Map<string, number> {
    return new Map([...this.topics].filter(([t]) => this.members.some((m) => m.topics.includes(t))));
  }

  /** The members' state after a rebalance that handed out `result`. */
  apply(result: ReadonlyMap<string, MemberAssignment>): void {
    this.generationId++;
    for (const m of this.members) {
      m.owned = copy(result.get(m.memberId)!.partitions);
      m.generationId = this.generationId;
    }
  }
}

export function copy(tps: TopicPartitions): Map<string, number[]> {
  return new Map([...tps].map(([t, ps]) => [t, [...ps]]));
}

/** partition name -> owning member, over a set of members' holdings. */
export function ownerMap(holdings: Iterable<[string, TopicPartitions]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [memberId, tps] of holdings) for (const [t, ps] of tps) for (const p of ps) out.set(`${t}p${p}`, memberId);
  return out;
}

/**
 * With identical subscriptions, the fewest partitions any balanced assignment must take away
 * from their (still present, still subscribed) owners: each member keeps at most its quota, and
 * the members that held the most get the larger quotas.
 */
export function minimumMoves(heldCounts: number[], partitionCount: number): number {
  const m = heldCounts.length;
  const quota = Math.floor(partitionCount / m);
  const withExtra = partitionCount % m;
  return [...heldCounts].sort((a, b) => b - a).reduce((sum, held, i) => sum + Math.max(0, held - (quota + (i < withExtra ? 1 : 0))), 0);
}
