/**
 * A broker process on a real etcd (`samsa start --metadata etcd://...`): its topics live in
 * etcd and survive a restart, its registration is an ephemeral key that vanishes once the
 * broker is killed -9 and its session lease runs out, and an unreachable etcd stops it at
 * start with one line naming the address.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdMetadataStore, type MetadataStore } from '@samsa/broker';
import { makeDataDir, removeDir, SAMSA_BIN, startBrokerFor } from '../helpers/broker-process.js';
import { killChildren, ChildRun, sleep } from '../helpers/child-process.js';
import { freePort, startEtcdFor } from '../helpers/etcd-process.js';
import { kcatConsume, kcatProduce } from '../helpers/kcat.js';

after(killChildren);

const PREFIX = '/samsa-broker-test';
const SESSION_TIMEOUT_MS = 2_000;

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

async function openStore(t: { after(fn: () => unknown): void }, endpoint: string): Promise<MetadataStore> {
  const store = await EtcdMetadataStore.connect({ endpoints: [endpoint], prefix: PREFIX, connectTimeoutMs: 5_000 });
  t.after(() => store.close());
  return store;
}

test('a broker on etcd keeps its topics and data across a restart, and its registration dies with it', async (t) => {
  const etcd = await startEtcdFor(t);
  const broker = await startBrokerFor(t, {
    metadata: etcd.url(PREFIX),
    overrides: { 'broker.session.timeout.ms': SESSION_TIMEOUT_MS },
  });
  const store = await openStore(t, etcd.endpoint);

  // kcat has no admin API: the first produce auto-creates the topic, through etcd.
  await kcatProduce(broker.current.bootstrap, { topic: 'on-etcd', partition: 0, lines: ['one', 'two', 'three'], keyed: false, acks: -1 });
  const topic = await store.get('/topics/on-etcd');
  assert.ok(topic, 'the topic record is in etcd, under the prefix');
  const topicId = (JSON.parse(topic.value) as { topicId: string }).topicId;
  assert.ok(await store.get('/partitions/on-etcd/0'), 'the partition state is in etcd');
  assert.equal(JSON.parse((await store.get('/brokers/ids/0'))!.value).nodeId, 0);
  assert.equal(existsSync(join(broker.current.dataDir, 'cluster-metadata.samsa')), false, 'no embedded metadata file');

  const restarted = await broker.restart();
  const again = await store.get('/topics/on-etcd');
  assert.equal((JSON.parse(again!.value) as { topicId: string }).topicId, topicId, 'the same topic after the restart');
  const messages = await kcatConsume(restarted.bootstrap, { topic: 'on-etcd', partition: 0, offset: 'beginning', count: 3, exitAtEnd: false, timeoutMs: 20_000 });
  assert.deepEqual(messages.map((m) => m.payload), ['one', 'two', 'three']);
  await waitUntil('the restarted broker to register', 5_000, async () => (await store.get('/brokers/ids/0')) !== null);

  const killedAt = Date.now();
  await restarted.kill();
  await waitUntil('the killed broker\'s registration to vanish', SESSION_TIMEOUT_MS + 6_000, async () => (await store.get('/brokers/ids/0')) === null);
  const goneAfterMs = Date.now() - killedAt;
  t.diagnostic(`registration gone ${goneAfterMs} ms after kill -9 (session ${SESSION_TIMEOUT_MS} ms)`);
  // Nothing revoked it (kill -9): only the lease's expiry can have removed it.
  assert.ok(goneAfterMs >= 500, `gone after ${goneAfterMs} ms: too soon for a lease expiry`);
  assert.ok(await store.get('/topics/on-etcd'), 'durable keys stay');
});

test('an unreachable etcd stops the broker at start with one line naming the address', async (t) => {
  const port = await freePort();
  const dataDir = await makeDataDir();
  t.after(() => removeDir(dataDir));
  const run = new ChildRun(process.execPath, [SAMSA_BIN, 'start', '--listen', '127.0.0.1:0', '--data', dataDir, '--metadata', `etcd://127.0.0.1:${port}`], {
    timeoutMs: 30_000,
    what: 'samsa start with no etcd',
  });
  const result = await run.finished;
  assert.notEqual(result.code, 0, run.describe());
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr:\n${result.stderr}`);
  assert.match(lines[0]!, new RegExp(`^samsa: cannot reach etcd at 127\\.0\\.0\\.1:${port}: `));
});

test('a malformed --metadata is a usage error, found before the broker touches its disk', async () => {
  const dataDir = join(tmpdir(), `samsa-never-created-${process.pid}`);
  const run = new ChildRun(process.execPath, [SAMSA_BIN, 'start', '--data', dataDir, '--metadata', 'etcd://no-port'], { timeoutMs: 15_000, what: 'samsa start --metadata etcd://no-port' });
  const result = await run.finished;
  assert.equal(result.code, 2, run.describe());
  assert.match(result.stderr, /^samsa: etcd endpoint "no-port" in etcd:\/\/no-port is not host:port/);
  assert.equal(existsSync(dataDir), false);
});
