import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemberAssignment, MemberSubscription } from '../../../src/consumer/assignors/assignor.js';
import { cooperativeStickyAssignor } from '../../../src/consumer/assignors/cooperative-sticky.js';
import { encodeStickyUserData } from '../../../src/consumer/assignors/sticky-user-data.js';
import { assertBalanced, assertValid, member, names, topicsOf, tps } from './helpers.js';
import { GroupSim, minimumMoves, ownerMap, type Mode, type SimMember } from './simulation.js';

function owning(memberId: string, topics: string[], owned: string[], generationId: number): MemberSubscription {
  return member(memberId, topics, {
    ownedPartitions: tps(...owned),
    generationId,
    userData: cooperativeStickyAssignor.subscriptionUserData({ topics, ownedPartitions: tps(...owned), generationId }),
  });
}

test('cooperative-sticky: a joining member gets moved partitions only in the follow-up rebalance (KIP-429)', () => {
  assert.equal(cooperativeStickyAssignor.name, 'cooperative-sticky');
  assert.equal(cooperativeStickyAssignor.rebalanceProtocol, 'cooperative');
  const topics = topicsOf({ t: 6 });
  const first = cooperativeStickyAssignor.assign(
    [owning('C0', ['t'], ['tp0', 'tp1', 'tp2'], 1), owning('C1', ['t'], ['tp3', 'tp4', 'tp5'], 1), owning('C2', ['t'], [], -1)],
    topics,
  );
  // tp2 and tp5 are bound for C2, but C0 and C1 still own them: left out, so they revoke first.
  assert.deepEqual(names(first), { C0: ['tp0', 'tp1'], C1: ['tp3', 'tp4'], C2: [] });
  const second = cooperativeStickyAssignor.assign(
    [owning('C0', ['t'], ['tp0', 'tp1'], 2), owning('C1', ['t'], ['tp3', 'tp4'], 2), owning('C2', ['t'], [], 2)],
    topics,
  );
  assert.deepEqual(names(second), { C0: ['tp0', 'tp1'], C1: ['tp3', 'tp4'], C2: ['tp2', 'tp5'] });
});

test('cooperative-sticky: a partition still claimed by a stale member is withheld until that member lets go', () => {
  const topics = topicsOf({ t: 2 });
  // b's claim is from generation 3, a's from 4: sticky ignores b's claim and gives tp1 to a or b,
  // but b may still be consuming tp1, so a cannot have it this round.
  const members = [owning('a', ['t'], ['tp0'], 4), owning('b', ['t'], ['tp1', 'tp0'], 3)];
  const result = cooperativeStickyAssignor.assign(members, topics);
  assertValid(result, members, topics, 'stale', false);
  assert.deepEqual(names(result), { a: ['tp0'], b: ['tp1'] });
});

test('cooperative-sticky: userData is the generation as an int32; read when the subscription has no generationId', () => {
  const own = { topics: ['t'], ownedPartitions: new Map(), generationId: 258 };
  assert.deepEqual([...cooperativeStickyAssignor.subscriptionUserData(own)!], [0, 0, 1, 2]);
  const topics = topicsOf({ t: 3 });
  // Subscription v1 (no generationId): the userData generation makes b's claim on tp0 the newer
  // one, so b keeps tp0 and tp1 (without it the two claims on tp0 would cancel out).
  const fromUserData = [
    member('a', ['t'], { ownedPartitions: tps('tp0'), generationId: -1, userData: Buffer.from([0, 0, 0, 3]) }),
    member('b', ['t'], { ownedPartitions: tps('tp0', 'tp1'), generationId: -1, userData: Buffer.from([0, 0, 0, 4]) }),
  ];
  assert.deepEqual(names(cooperativeStickyAssignor.assign(fromUserData, topics)), { a: ['tp2'], b: ['tp0', 'tp1'] });
  const noGeneration = fromUserData.map((m) => ({ ...m, userData: null }));
  assert.deepEqual(names(cooperativeStickyAssignor.assign(noGeneration, topics)), { a: ['tp0', 'tp2'], b: ['tp1'] });
  // librdkafka sends StickyAssignorUserData v1; its generation counts the same way.
  const librdkafka = [
    member('a', ['t'], { ownedPartitions: tps('tp0'), generationId: -1, userData: encodeStickyUserData(tps('tp0'), 3) }),
    member('b', ['t'], { ownedPartitions: tps('tp0', 'tp1'), generationId: -1, userData: encodeStickyUserData(tps('tp0', 'tp1'), 4) }),
  ];
  assert.deepEqual(names(cooperativeStickyAssignor.assign(librdkafka, topics)), { a: ['tp2'], b: ['tp0', 'tp1'] });
});

function subscribe(m: SimMember): MemberSubscription {
  const own = { topics: m.topics, ownedPartitions: m.owned, generationId: m.generationId };
  return member(m.memberId, m.topics, {
    groupInstanceId: m.groupInstanceId,
    ownedPartitions: m.owned,
    generationId: m.generationId,
    userData: cooperativeStickyAssignor.subscriptionUserData(own),
  });
}

/**
 * One rebalance: checks that nothing goes straight from one owner to another. Returns how many
 * partitions members revoke: all of them (any revocation makes its member rejoin at once,
 * KIP-429), and those a member gives up while still subscribed (what balance took away).
 */
function rebalance(sim: GroupSim, context: string): { result: Map<string, MemberAssignment>; revoked: number; rebalanced: number } {
  const topics = sim.partitionsPerTopic();
  const subscriptions = sim.members.map(subscribe);
  const result = cooperativeStickyAssignor.assign(subscriptions, topics);
  assertValid(result, subscriptions, topics, context, false);
  const ownerNow = ownerMap(sim.members.map((m) => [m.memberId, m.owned]));
  let revoked = 0;
  let rebalanced = 0;
  for (const [memberId, a] of result) {
    for (const [topic, partitions] of a.partitions) {
      for (const p of partitions) {
        const owner = ownerNow.get(`${topic}p${p}`);
        assert.ok(owner === undefined || owner === memberId, `${context}: ${topic}p${p} handed from ${owner} straight to ${memberId}`);
      }
    }
  }
  for (const m of sim.members) {
    const next = result.get(m.memberId)!.partitions;
    for (const [topic, partitions] of m.owned) {
      for (const p of partitions) {
        if (next.get(topic)?.includes(p)) continue;
        revoked++;
        if (topics.has(topic) && m.topics.includes(topic)) rebalanced++;
      }
    }
  }
  sim.apply(result);
  return { result, revoked, rebalanced };
}

/**
 * Runs a changing group; after each change, rebalances while members revoke (KIP-429: a member
 * that revoked rejoins at once) and returns how many changes needed a third rebalance.
 */
function run(seed: number, mode: Mode, steps: number, maxRounds: number): number {
  const sim = new GroupSim(seed, mode);
  let thirdRounds = 0;
  for (let step = 0; step < steps; step++) {
    const event = step === 0 ? 'start' : sim.step();
    const context = `seed ${seed} (${mode}) step ${step} after ${event}`;
    const topics = sim.partitionsPerTopic();
    const held = sim.members.map((m) => [...m.owned].filter(([t]) => topics.has(t) && m.topics.includes(t)).reduce((n, [, ps]) => n + ps.length, 0));
    const total = [...topics.values()].reduce((a, b) => a + b, 0);

    let round = rebalance(sim, `${context} round 1`);
    if (mode === 'same') assert.equal(round.rebalanced, minimumMoves(held, total), `${context}: took ${round.rebalanced} from their owners`);
    for (let n = 2; round.revoked > 0; n++) {
      assert.ok(n <= maxRounds, `${context}: still revoking after ${maxRounds} rebalances`);
      if (n === 3) thirdRounds++;
      round = rebalance(sim, `${context} round ${n}`);
    }
    const subscriptions = sim.members.map(subscribe);
    assertValid(round.result, subscriptions, topics, `${context}: converged`);
    assertBalanced(round.result, subscriptions, `${context}: converged`);
  }
  return thirdRounds;
}

test('cooperative-sticky property: identical subscriptions converge in 2 rounds, revoking only what balance requires', () => {
  for (let seed = 1; seed <= 150; seed++) run(seed, 'same', 25, 2);
});

test('cooperative-sticky property: different subscriptions never hand over directly and converge in 2 rounds (rarely 3)', () => {
  // With different subscriptions the follow-up rebalance can land on a different balanced
  // assignment than the first one aimed at and take one more partition from its owner: about 1
  // change in 10,000 of this simulation (9 of 120,000 over seeds 1-3000, 40 steps each) needs a
  // third rebalance. Kafka's general-case algorithm gives no 2-round bound either.
  let changes = 0;
  let thirdRounds = 0;
  for (let seed = 2001; seed <= 2300; seed++) {
    thirdRounds += run(seed, 'mixed', 25, 3);
    changes += 25;
  }
  assert.ok(thirdRounds <= changes / 1000, `${thirdRounds} of ${changes} changes needed a third rebalance`);
});
