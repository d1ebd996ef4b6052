import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimController, fenceHolds, writeFenced } from '../../src/controller/fenced-writes.js';
import { EmbeddedMetadataStore } from '../../src/metadata/embedded-store.js';
import { Keys, type PartitionState } from '../../src/metadata/keys.js';

const state = (leader: number, leaderEpoch: number): PartitionState => ({ leader, leaderEpoch, isr: [leader], partitionEpoch: leaderEpoch, controllerEpoch: 0 });

test('one broker wins /controller; the next claim after its lease ends gets the next controller epoch', async () => {
  const store = await EmbeddedMetadataStore.open(null);
  const a = await store.grantLease(10_000);
  const b = await store.grantLease(10_000);
  const first = await claimController(store, 1, a);
  assert.deepEqual(first && first.epoch, 1);
  assert.equal(await claimController(store, 2, b), null);
  await a.revoke();
  const second = await claimController(store, 2, b);
  assert.equal(second?.epoch, 2);
  assert.deepEqual(JSON.parse((await store.get(Keys.controller))!.value), { brokerId: 2, epoch: 2 });
  assert.equal(JSON.parse((await store.get(Keys.controllerEpoch))!.value), 2);
  await store.close();
});

test('a deposed controller cannot overwrite the partition state its successor wrote', async () => {
  const store = await EmbeddedMetadataStore.open(null);
  const topicRevision = await store.put(Keys.topic('t'), JSON.stringify({ topicId: 'x', replicas: [[1, 2]] }));
  const a = await store.grantLease(10_000);
  const old = (await claimController(store, 1, a))!;
  assert.ok((await writeFenced(store, old, 't', topicRevision, [{ partition: 0, fromRevision: 0, state: state(1, 0) }])) > 0);
  const written = (await store.get(Keys.partition('t', 0)))!;

  // Controller 1 loses its session (a pause longer than its TTL) without noticing; 2 takes over.
  await a.revoke();
  const b = await store.grantLease(10_000);
  const fresh = (await claimController(store, 2, b))!;
  assert.ok((await writeFenced(store, fresh, 't', topicRevision, [{ partition: 0, fromRevision: written.modRevision, state: state(2, 1) }])) > 0);
  const current = (await store.get(Keys.partition('t', 0)))!;

  // The stale controller's write fails even when computed from the current revision.
  assert.equal(await writeFenced(store, old, 't', topicRevision, [{ partition: 0, fromRevision: current.modRevision, state: state(1, 2) }]), 0);
  assert.equal(await fenceHolds(store, old), false);
  assert.equal(await fenceHolds(store, fresh), true);
  assert.deepEqual(JSON.parse((await store.get(Keys.partition('t', 0)))!.value), { ...state(2, 1), controllerEpoch: 2 });
  // And a write computed from an outdated state fails for the current controller too.
  assert.equal(await writeFenced(store, fresh, 't', topicRevision, [{ partition: 0, fromRevision: written.modRevision, state: state(2, 5) }]), 0);
  await store.close();
});
