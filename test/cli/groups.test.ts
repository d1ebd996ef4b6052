/**
 * `samsa groups` against a real broker: a group made by `samsa consume --group`, then list,
 * describe (offsets, log end, lag), reset-offsets as a dry run and with --execute, delete.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerFor } from '../helpers/broker-process.js';
import { killChildren } from '../helpers/child-process.js';
import { assertOneLineError, samsa, samsaOk } from './run-samsa.js';

after(killChildren);

test('groups list, describe, reset-offsets (dry run, then --execute) and delete', { timeout: 180_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const b = ['--bootstrap-server', broker.current.bootstrap];
  await samsaOk(['topics', 'create', 'events', '--partitions', '1', ...b]);
  await samsaOk(['produce', 'events', ...b], { input: Array.from({ length: 10 }, (_, i) => `r${i}`).join('\n') + '\n' });

  // The group reads 4 of the 10 records and commits after printing them.
  const read = await samsaOk(['consume', 'events', '--group', 'billing', '--from-beginning', '--count', '4', ...b], { timeoutMs: 60_000 });
  assert.deepEqual(read.stdout.trim().split('\n'), ['r0', 'r1', 'r2', 'r3']);

  const listed = (await samsaOk(['groups', 'list', '--json', ...b])).json();
  assert.deepEqual(listed.groups.map((g: any) => [g.groupId, g.state]), [['billing', 'Empty']]);

  const described = (await samsaOk(['groups', 'describe', 'billing', '--json', ...b])).json();
  assert.equal(described.state, 'Empty');
  assert.deepEqual(described.partitions.map((p: any) => [p.topic, p.partition, p.committedOffset, p.logEndOffset, p.lag]), [['events', 0, 4, 10, 6]]);
  assert.equal(described.totalLag, 6);
  assert.match((await samsaOk(['groups', 'describe', 'billing', ...b])).stdout, /^events\s+0\s+4\s+10\s+6\s/m);

  // A second member of the group carries on where the first committed.
  const next = await samsaOk(['consume', 'events', '--group', 'billing', '--count', '2', ...b], { timeoutMs: 60_000 });
  assert.deepEqual(next.stdout.trim().split('\n'), ['r4', 'r5']);

  const dry = await samsaOk(['groups', 'reset-offsets', 'billing', '--topic', 'events', '--to-earliest', '--json', ...b]);
  assert.deepEqual(dry.json(), { group: 'billing', dryRun: true, offsets: [{ topic: 'events', partition: 0, previousOffset: 6, offset: 0, error: null }] });
  assert.match(dry.stderr, /Dry run: nothing was changed\. Add --execute/);
  const unchanged = (await samsaOk(['groups', 'describe', 'billing', '--json', ...b])).json();
  assert.equal(unchanged.partitions[0].committedOffset, 6, 'a dry run commits nothing');

  const shifted = (await samsaOk(['groups', 'reset-offsets', 'billing', '--topic', 'events:0', '--shift-by', '-5', '--execute', '--json', ...b])).json();
  assert.deepEqual(shifted.offsets.map((o: any) => [o.previousOffset, o.offset]), [[6, 1]]);
  const after1 = (await samsaOk(['groups', 'describe', 'billing', '--json', ...b])).json();
  assert.equal(after1.partitions[0].committedOffset, 1);
  const again = await samsaOk(['consume', 'events', '--group', 'billing', '--count', '1', ...b], { timeoutMs: 60_000 });
  assert.equal(again.stdout.trim(), 'r1', 'the group resumes at the reset offset');

  assertOneLineError(await samsa(['groups', 'reset-offsets', 'billing', '--topic', 'events', ...b]), 2, /exactly one of --to-earliest/);
  assertOneLineError(await samsa(['groups', 'reset-offsets', 'billing', '--to-latest', ...b]), 2, /either --topic <topic> or --all-topics/);
  assertOneLineError(await samsa(['groups', 'reset-offsets', 'billing', '--topic', 'nope', '--to-latest', ...b]), 1, /topic "nope" does not exist/);
  assertOneLineError(await samsa(['groups', 'describe', 'nobody', ...b]), 1, /group "nobody" does not exist/);

  assert.deepEqual((await samsaOk(['groups', 'delete', 'billing', '--json', ...b])).json(), { deleted: ['billing'], failed: [] });
  assert.deepEqual((await samsaOk(['groups', 'list', '--json', ...b])).json().groups, []);
});
