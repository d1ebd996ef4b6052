import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemberSubscription } from '../../../src/consumer/assignors/assignor.js';
import { stickyAssignor } from '../../../src/consumer/assignors/sticky.js';
import { assertBalanced, assertValid, member, names } from './helpers.js';
import { GroupSim, minimumMoves, ownerMap, type Mode, type SimMember } from './simulation.js';

/** What an eager sticky member sends: nothing owned (revoked), its last assignment in userData. */
function subscribe(m: SimMember): MemberSubscription {
  const own = { topics: m.topics, ownedPartitions: new Map(), generationId: m.generationId, previousAssignment: m.owned };
  return member(m.memberId, m.topics, { groupInstanceId: m.groupInstanceId, generationId: m.generationId, userData: stickyAssignor.subscriptionUserData(own) });
}

function run(seed: number, mode: Mode, steps: number): void {
  const sim = new GroupSim(seed, mode);
  for (let step = 0; step < steps; step++) {
    const event = step === 0 ? 'start' : sim.step();
    const context = `seed ${seed} (${mode}) step ${step} after ${event}`;
    const topics = sim.partitionsPerTopic();
    const before = ownerMap(sim.members.map((m) => [m.memberId, m.owned]));
    const subscriptions = sim.members.map(subscribe);
    const result = stickyAssignor.assign(subscriptions, topics);
    assertValid(result, subscriptions, topics, context);
    assertBalanced(result, subscriptions, context);

    // Stickiness: a partition leaves a present member that still subscribes to it only when
    // balance requires it. With identical subscriptions that count is exact.
    const after = ownerMap([...result].map(([id, a]) => [id, a.partitions]));
    const moved = [...after].filter(([tp, owner]) => before.has(tp) && before.get(tp) !== owner).length;
    if (mode === 'same') {
      const held = sim.members.map((m) => [...m.owned].filter(([t]) => topics.has(t) && m.topics.includes(t)).reduce((n, [t, ps]) => n + ps.filter((p) => p < topics.get(t)!).length, 0));
      const total = [...topics.values()].reduce((a, b) => a + b, 0);
      assert.equal(moved, minimumMoves(held, total), `${context}: moved ${moved} partitions`);
    }
    sim.apply(result);

    // A rebalance that changes nothing moves nothing.
    const again = stickyAssignor.assign(sim.members.map(subscribe), topics);
    assert.deepEqual(names(again), names(result), `${context}: a rebalance with no change moved partitions`);
  }
}

test('sticky property: identical subscriptions stay valid, balanced, and move only what balance requires', () => {
  for (let seed = 1; seed <= 150; seed++) run(seed, 'same', 25);
});

test('sticky property: different subscriptions stay valid and balanced among equal subscriptions', () => {
  for (let seed = 1001; seed <= 1150; seed++) run(seed, 'mixed', 25);
});

test('sticky: a large group assigns in reasonable time', () => {
  const topics = new Map(Array.from({ length: 20 }, (_, i) => [`t${i}`, 50] as [string, number]));
  const all = [...topics.keys()];
  const members = Array.from({ length: 100 }, (_, i) => member(`m${String(i).padStart(3, '0')}`, i % 2 === 0 ? all : all.slice(0, 10)));
  const started = performance.now();
  const result = stickyAssignor.assign(members, topics);
  assertValid(result, members, topics, 'large');
  assertBalanced(result, members, 'large');
  assert.ok(performance.now() - started < 2000, `1000 partitions over 100 members took ${performance.now() - started} ms`);
});
