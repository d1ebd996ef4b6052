/**
 * `samsa topics` against a real broker: create, list, describe, alter, delete with human and
 * --json output, and the errors a user meets (unknown topic, existing topic, bad flag value,
 * unknown flag, unreachable broker), each one line with its documented exit code.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerFor } from '../helpers/broker-process.js';
import { killChildren } from '../helpers/child-process.js';
import { assertOneLineError, closedPort, samsa, samsaOk } from './run-samsa.js';

after(killChildren);

test('topics create, list, describe, alter and delete', { timeout: 120_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const b = ['--bootstrap-server', broker.current.bootstrap];

  const created = await samsaOk(['topics', 'create', 'orders', '--partitions', '3', '--config', 'retention.ms=3600000', ...b]);
  assert.match(created.stdout, /Created topic orders \(3 partitions, replication factor 1\)/);
  const json = (await samsaOk(['topics', 'create', 'audit', '--partitions', '1', '--json', ...b])).json();
  assert.deepEqual([json.topic, json.created, json.partitions, json.replicationFactor], ['audit', true, 1, 1]);

  await t.test('an existing topic is exit 1, unless --if-not-exists', async () => {
    assertOneLineError(await samsa(['topics', 'create', 'orders', ...b]), 1, /topic "orders" already exists/);
    const r = (await samsaOk(['topics', 'create', 'orders', '--if-not-exists', '--json', ...b])).json();
    assert.equal(r.created, false);
  });

  await t.test('list, as a table and as JSON', async () => {
    const table = await samsaOk(['topics', 'list', ...b]);
    assert.match(table.stdout, /^TOPIC\s+PARTITIONS\s+ID$/m);
    assert.match(table.stdout, /^orders\s+3\s+\S+$/m);
    const listed = (await samsaOk(['topics', 'list', '--json', ...b])).json();
    assert.deepEqual(listed.topics.map((x: any) => [x.topic, x.partitions]), [['audit', 1], ['orders', 3]]);
  });

  await t.test('describe shows partitions with leader, replicas, ISR and the topic\'s own settings', async () => {
    const d = (await samsaOk(['topics', 'describe', 'orders', '--json', ...b])).json();
    const [orders] = d.topics;
    assert.equal(orders.replicationFactor, 1);
    assert.deepEqual(orders.partitions.map((p: any) => [p.partition, p.leader, p.replicas, p.isr, p.offlineReplicas]), [
      [0, 0, [0], [0], []],
      [1, 0, [0], [0], []],
      [2, 0, [0], [0], []],
    ]);
    assert.deepEqual(orders.configs, { 'retention.ms': '3600000' });
    const text = (await samsaOk(['topics', 'describe', 'orders', ...b])).stdout;
    assert.match(text, /Topic: orders .*Partitions: 3 .*ReplicationFactor: 1/);
    assert.match(text, /Configs: retention.ms=3600000/);
    assert.match(text, /^PARTITION\s+LEADER\s+EPOCH\s+REPLICAS\s+ISR\s+OFFLINE$/m);
  });

  await t.test('alter sets and deletes settings and raises the partition count', async () => {
    await samsaOk(['topics', 'alter', 'orders', '--config', 'cleanup.policy=compact', '--delete-config', 'retention.ms', '--partitions', '4', ...b]);
    const [orders] = (await samsaOk(['topics', 'describe', 'orders', '--json', ...b])).json().topics;
    assert.deepEqual(orders.configs, { 'cleanup.policy': 'compact' });
    assert.equal(orders.partitions.length, 4);
    assertOneLineError(await samsa(['topics', 'alter', 'orders', ...b]), 2, /nothing to change/);
    assertOneLineError(await samsa(['topics', 'alter', 'orders', '--config', 'no.such.setting=1', ...b]), 1, /topic "orders": the broker refused: INVALID_CONFIG/);
  });

  await t.test('an unknown topic is one line, exit 1', async () => {
    assertOneLineError(await samsa(['topics', 'describe', 'nope', ...b]), 1, /topic "nope" does not exist; `samsa topics list` shows the topics/);
    assertOneLineError(await samsa(['topics', 'alter', 'nope', '--config', 'retention.ms=1', ...b]), 1, /topic "nope" does not exist/);
    assertOneLineError(await samsa(['topics', 'delete', 'nope', ...b]), 1, /topic "nope" does not exist/);
  });

  await t.test('delete', async () => {
    const r = (await samsaOk(['topics', 'delete', 'audit', '--json', ...b])).json();
    assert.deepEqual(r, { deleted: ['audit'], failed: [] });
    const listed = (await samsaOk(['topics', 'list', '--json', ...b])).json();
    assert.deepEqual(listed.topics.map((x: any) => x.topic), ['orders']);
  });

  await t.test('SAMSA_BOOTSTRAP stands in for --bootstrap-server', async () => {
    const listed = (await samsaOk(['topics', 'list', '--json'], { env: { SAMSA_BOOTSTRAP: broker.current.bootstrap } })).json();
    assert.deepEqual(listed.topics.map((x: any) => x.topic), ['orders']);
  });
});

test('bad usage is one line and exit 2', { timeout: 60_000 }, async () => {
  const b = ['--bootstrap-server', '127.0.0.1:9'];
  assertOneLineError(await samsa(['topics', 'create', 'x', '--partitions', 'abc', ...b]), 2, /--partitions <n>.*'abc' is invalid\. it must be a whole number from 1 to \d+, e\.g\. 6/);
  assertOneLineError(await samsa(['topics', 'list', '--bogus']), 2, /unknown option '--bogus'/);
  assertOneLineError(await samsa(['tpoics', 'list']), 2, /unknown command 'tpoics' \(Did you mean topics\?\)/);
  assertOneLineError(await samsa(['topics', 'list', '--bootstrap-server', 'nocolon']), 2, /--bootstrap-server "nocolon" must be host:port/);
  assertOneLineError(await samsa(['topics', 'create', 'x', '--config', 'novalue', ...b]), 2, /must be name=value/);
});

test('an unreachable cluster is one line naming the address, exit 3', { timeout: 60_000 }, async () => {
  const port = await closedPort();
  for (const args of [['topics', 'list'], ['cluster'], ['doctor'], ['produce', 't'], ['consume', 't'], ['groups', 'list'], ['perf', 'produce', '--topic', 't', '--num-records', '1']]) {
    const r = await samsa([...args, '--bootstrap-server', `127.0.0.1:${port}`], { input: 'x\n' });
    assertOneLineError(r, 3, new RegExp(`cannot reach the cluster at 127\\.0\\.0\\.1:${port} .*samsa start.*--bootstrap-server`));
  }
});

test('every command has --help with examples', { timeout: 120_000 }, async () => {
  const commands = [[], ['start'], ['topics'], ['topics', 'list'], ['topics', 'create'], ['topics', 'describe'], ['topics', 'alter'], ['topics', 'delete'], ['produce'], ['consume'], ['groups'], ['groups', 'list'], ['groups', 'describe'], ['groups', 'reset-offsets'], ['groups', 'delete'], ['cluster'], ['perf'], ['perf', 'produce'], ['perf', 'consume'], ['doctor']];
  for (const c of commands) {
    const r = await samsa([...c, '--help']);
    assert.equal(r.code, 0, `samsa ${c.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /Examples:\n {2}.*samsa /, `samsa ${c.join(' ')} --help has examples`);
  }
});
