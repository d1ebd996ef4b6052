/**
 * `samsa partitions` against a real broker process: elect-leaders, reassign (and --cancel)
 * and reassignments, with human and --json output and the errors a user meets. The moves
 * themselves are tested on the in-process cluster (test/cluster/reassignment.test.ts); one
 * broker is enough to check the commands' wiring and messages.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerFor } from '../helpers/broker-process.js';
import { killChildren } from '../helpers/child-process.js';
import { assertOneLineError, samsa, samsaOk } from './run-samsa.js';

after(killChildren);

test('partitions elect-leaders, reassign and reassignments', { timeout: 120_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const b = ['--bootstrap-server', broker.current.bootstrap];
  await samsaOk(['topics', 'create', 'cli-p', '--partitions', '2', ...b]);

  const help = await samsaOk(['partitions', '--help']);
  assert.match(help.stdout, /samsa partitions reassign events 0 --replicas 1,2/);

  const elected = (await samsaOk(['partitions', 'elect-leaders', '--topic', 'cli-p', '--json', ...b])).json();
  assert.deepEqual(elected.partitions.map((p: any) => [p.topic, p.partition, p.result]), [['cli-p', 0, 'ELECTION_NOT_NEEDED'], ['cli-p', 1, 'ELECTION_NOT_NEEDED']]);
  const table = await samsaOk(['partitions', 'elect-leaders', '--topic', 'cli-p', '--partition', '1', ...b]);
  assert.match(table.stdout, /^cli-p\s+1\s+ELECTION_NOT_NEEDED$/m);
  assertOneLineError(await samsa(['partitions', 'elect-leaders', '--topic', 'nope', ...b]), 1, /UNKNOWN_TOPIC_OR_PARTITION/);

  assertOneLineError(await samsa(['partitions', 'reassign', 'cli-p', '0', '--replicas', '5', ...b]), 1, /cli-p-0: the broker refused: INVALID_REPLICA_ASSIGNMENT/);
  assertOneLineError(await samsa(['partitions', 'reassign', 'cli-p', '0', '--cancel', ...b]), 1, /NO_REASSIGNMENT_IN_PROGRESS/);
  assertOneLineError(await samsa(['partitions', 'reassign', 'cli-p', '0', ...b]), 2, /give either --replicas/);
  assertOneLineError(await samsa(['partitions', 'reassign', 'cli-p', '0', '--replicas', 'one', ...b]), 2, /broker ids separated by commas/);
  const moved = (await samsaOk(['partitions', 'reassign', 'cli-p', '0', '--replicas', '0', '--json', ...b])).json();
  assert.deepEqual(moved, { topic: 'cli-p', partition: 0, replicas: [0], cancelled: false });

  const none = await samsaOk(['partitions', 'reassignments', ...b]);
  assert.match(none.stdout, /no reassignments in progress/);
  assert.deepEqual((await samsaOk(['partitions', 'reassignments', '--json', ...b])).json(), { reassignments: [] });
});
