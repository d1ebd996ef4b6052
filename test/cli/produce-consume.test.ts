/**
 * `samsa produce` and `samsa consume` against a real broker: a round trip with keys and
 * headers, --format, --count, --offset, --from-timestamp, --idle-timeout-ms, kcat
 * (librdkafka) reading what `samsa produce` wrote, and the failures (unknown topic, a line
 * without the key separator, flags that do not go together).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerFor } from '../helpers/broker-process.js';
import { killChildren } from '../helpers/child-process.js';
import { kcatConsume } from '../helpers/kcat.js';
import { assertOneLineError, samsa, samsaOk } from './run-samsa.js';

after(killChildren);

const ndjson = (stdout: string): any[] => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));

test('produce then consume: keys, headers, formats, positions and stops', { timeout: 180_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const b = ['--bootstrap-server', broker.current.bootstrap];
  await samsaOk(['topics', 'create', 'events', '--partitions', '2', ...b]);

  const produced = await samsaOk(['produce', 'events', '--key-separator', ':', '--header', 'source=cli', '--header', 'trace=7', '--json', ...b], {
    input: 'user-1:clicked\nuser-2:paid\nuser-1:left\n',
  });
  const summary = produced.json();
  assert.equal(summary.records, 3);
  assert.equal(summary.failed, 0);
  assert.equal(summary.partitions.reduce((n: number, p: any) => n + p.records, 0), 3);
  for (const p of summary.partitions) assert.equal(p.lastOffset - p.firstOffset + 1, p.records, 'consecutive offsets in a fresh partition');

  await t.test('consume --json returns each record with key, value and headers', async () => {
    const r = await samsaOk(['consume', 'events', '--from-beginning', '--count', '3', '--json', ...b]);
    const records = ndjson(r.stdout).sort((x, y) => x.value.localeCompare(y.value));
    assert.deepEqual(records.map((x) => [x.key, x.value]), [['user-1', 'clicked'], ['user-1', 'left'], ['user-2', 'paid']]);
    for (const x of records) assert.deepEqual(x.headers, [{ key: 'source', value: 'cli' }, { key: 'trace', value: '7' }]);
    // The same key lands in the same partition, in the order it was written.
    const user1 = records.filter((x) => x.key === 'user-1').sort((x, y) => x.offset - y.offset);
    assert.equal(user1[0].partition, user1[1].partition);
    assert.deepEqual(user1.map((x) => x.value), ['clicked', 'left']);
    assert.match(r.stderr, /Processed a total of 3 record\(s\)/);
  });

  await t.test('--format with placeholders, --idle-timeout-ms stops when nothing comes', async () => {
    const r = await samsaOk(['consume', 'events', '--from-beginning', '--format', '%t %p:%o %k=%v [%h] %K/%S', '--idle-timeout-ms', '1500', ...b]);
    const lines = r.stdout.trim().split('\n').sort();
    assert.equal(lines.length, 3);
    for (const l of lines) assert.match(l, /^events [01]:\d+ user-\d=\w+ \[source=cli,trace=7\] 6\/\d$/);
    assertOneLineError(await samsa(['consume', 'events', '--format', '%q', ...b]), 2, /unknown placeholder %q/);
  });

  await t.test('--partition with --offset, and --from-timestamp', async () => {
    await samsaOk(['produce', 'events', '--partition', '1', ...b], { input: 'a\nb\nc\n' });
    const all = ndjson((await samsaOk(['consume', 'events', '--partition', '1', '--from-beginning', '--idle-timeout-ms', '1000', '--json', ...b])).stdout);
    const last3 = all.slice(-3);
    assert.deepEqual(last3.map((x) => x.value), ['a', 'b', 'c']);
    const fromB = ndjson((await samsaOk(['consume', 'events', '--partition', '1', '--offset', String(last3[1].offset), '--count', '2', '--json', ...b])).stdout);
    assert.deepEqual(fromB.map((x) => x.value), ['b', 'c']);
    const iso = new Date(last3[0].timestamp).toISOString();
    const byTime = ndjson((await samsaOk(['consume', 'events', '--partition', '1', '--from-timestamp', iso, '--idle-timeout-ms', '1000', '--json', ...b])).stdout);
    assert.deepEqual(byTime.map((x) => x.value).slice(-3), ['a', 'b', 'c']);
    assert.ok(byTime.every((x) => x.timestamp >= last3[0].timestamp));
  });

  await t.test('kcat reads what samsa produce wrote, keys and headers included', async () => {
    const [p0, p1] = await Promise.all([0, 1].map((partition) => kcatConsume(broker.current.bootstrap, { topic: 'events', partition, offset: 'beginning', exitAtEnd: true })));
    const seen = [...p0!, ...p1!].filter((m) => m.key !== null).map((m) => [m.key, m.payload, m.headers]);
    assert.deepEqual(seen.sort(), [
      ['user-1', 'clicked', ['source', 'cli', 'trace', '7']],
      ['user-1', 'left', ['source', 'cli', 'trace', '7']],
      ['user-2', 'paid', ['source', 'cli', 'trace', '7']],
    ]);
  });

  await t.test('failures: a line without the separator, an unknown topic, flags that do not go together', async () => {
    const r = await samsa(['produce', 'events', '--key-separator', ':', ...b], { input: 'k:v\nno separator\n' });
    assertOneLineError(r, 1, /1 record\(s\) were not written; the first failure: line 2 has no key separator ":"/);
    assert.match(r.stdout, /1 record\(s\) written to events, 1 failed/);
    assertOneLineError(await samsa(['produce', 'nope', ...b], { input: 'x\n' }), 1, /topic "nope" does not exist/);
    assertOneLineError(await samsa(['consume', 'nope', ...b]), 1, /topic "nope" does not exist/);
    assertOneLineError(await samsa(['consume', 'events', '--offset', '3', ...b]), 2, /--offset needs --partition/);
    assertOneLineError(await samsa(['consume', 'events', '--partition', '9', ...b]), 2, /--partition 9 is out of range: topic events has partitions 0 to 1/);
    assertOneLineError(await samsa(['consume', 'events', '--from-timestamp', 'yesterday', ...b]), 2, /ISO-8601/);
    assertOneLineError(await samsa(['produce', 'events', '--acks', '2', ...b]), 2, /--acks.*must be one of all, -1, 0, 1/);
  });
});

test('consume stops cleanly on SIGINT', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const b = ['--bootstrap-server', broker.current.bootstrap];
  await samsaOk(['topics', 'create', 'live', ...b]);
  const { ChildRun } = await import('../helpers/child-process.js');
  const { SAMSA_BIN } = await import('../helpers/broker-process.js');
  const run = new ChildRun(process.execPath, [SAMSA_BIN, 'consume', 'live', ...b], { timeoutMs: 30_000, what: 'samsa consume live' });
  // Produce until the running consumer prints a record: it is then positioned and polling.
  const deadline = Date.now() + 20_000;
  while (!run.stdout.includes('hello') && Date.now() < deadline) {
    await samsaOk(['produce', 'live', ...b], { input: 'hello\n' });
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.match(run.stdout, /hello/);
  run.child.kill('SIGINT');
  const r = await run.finished;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Processed a total of \d+ record\(s\)/);
});
