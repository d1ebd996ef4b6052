import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FollowerState } from '../../src/replication/follower-state.js';

test("lastCaughtUpTime: fetching at the leader's log end is caught up now; reaching the previous fetch's log end is caught up as of then", () => {
  const f = new FollowerState(1, 0);
  f.onFetch(10, 10, 1_000);
  assert.equal(f.lastCaughtUpTimeMs, 1_000);
  // The leader moved on to 15 meanwhile; the follower reached 10 (the end at its last fetch).
  f.onFetch(10, 15, 1_400);
  assert.equal(f.lastCaughtUpTimeMs, 1_000, 'not past the previous log end yet');
  f.onFetch(15, 20, 1_800);
  assert.equal(f.lastCaughtUpTimeMs, 1_400, 'caught up as of the previous fetch');
  assert.equal(f.logEndOffset, 15);
  assert.equal(f.isLagging(2_300, 1_000), false);
  assert.equal(f.isLagging(2_500, 1_000), true);
});

test('a replica outside the ISR starts as never caught up', () => {
  const f = new FollowerState(2, 0);
  assert.equal(f.logEndOffset, -1);
  assert.equal(f.isLagging(5_000, 1_000), true);
});
