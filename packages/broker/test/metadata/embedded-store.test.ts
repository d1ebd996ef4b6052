import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedMetadataStore } from '../../src/metadata/embedded-store.js';
import type { WatchEvent } from '../../src/metadata/store.js';

async function tempFile(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-meta-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'meta.samsa');
}

test('compare-and-swap succeeds only against the current revision', async () => {
  const s = await EmbeddedMetadataStore.open(null);
  const ok = await s.txn([{ key: '/a', modRevision: 0 }], [{ type: 'put', key: '/a', value: '1' }]);
  assert.equal(ok.succeeded, true);
  const again = await s.txn([{ key: '/a', modRevision: 0 }], [{ type: 'put', key: '/a', value: '2' }]);
  assert.equal(again.succeeded, false);
  const kv = (await s.get('/a'))!;
  assert.equal(kv.value, '1');
  const swap = await s.txn([{ key: '/a', modRevision: kv.modRevision }], [{ type: 'put', key: '/a', value: '3' }]);
  assert.equal(swap.succeeded, true);
  assert.equal((await s.get('/a'))!.value, '3');
});

test('watches see puts and deletes under their prefix only', async () => {
  const s = await EmbeddedMetadataStore.open(null);
  const seen: WatchEvent[] = [];
  const stop = s.watch('/topics/', (e) => seen.push(e));
  await s.put('/topics/a', 'x');
  await s.put('/other', 'y');
  await s.delete('/topics/a');
  stop();
  await s.put('/topics/b', 'z');
  assert.deepEqual(seen.map((e) => `${e.type} ${e.key}`), ['put /topics/a', 'delete /topics/a']);
});

test('keys bound to a lease vanish when it is revoked and are never persisted', async (t) => {
  const path = await tempFile(t);
  const s = await EmbeddedMetadataStore.open(path);
  const lease = await s.grantLease(1000);
  await s.put('/brokers/ids/1', '{}', lease);
  await s.put('/durable', 'd');
  const reopened = await EmbeddedMetadataStore.open(path);
  assert.equal(await reopened.get('/brokers/ids/1'), null);
  assert.equal((await reopened.get('/durable'))!.value, 'd');
  await lease.revoke();
  assert.equal(await s.get('/brokers/ids/1'), null);
  await assert.rejects(s.put('/late', 'x', lease), /lease 1 has ended/);
});

test('a corrupt metadata file stops the open with a clear error', async (t) => {
  const path = await tempFile(t);
  const s = await EmbeddedMetadataStore.open(path);
  await s.put('/k', 'v');
  const bytes = await readFile(path);
  bytes[bytes.length - 1]! ^= 0xff;
  await writeFile(path, bytes);
  await assert.rejects(EmbeddedMetadataStore.open(path), /checksum mismatch/);
});

test('a lease without keep-alives expires after its TTL and takes its keys with it; one kept alive lives on', async () => {
  const s = await EmbeddedMetadataStore.open(null);
  const dying = s.grantLeaseWithoutKeepAlive(150);
  const kept = await s.grantLease(150);
  await s.put('/brokers/ids/1', '{}', dying);
  await s.put('/brokers/ids/2', '{}', kept);
  const started = Date.now();
  // The store's timers are unref'd (they never hold a process up): a timer of our own waits.
  let bound: NodeJS.Timeout | undefined;
  await Promise.race([dying.ended, new Promise((r) => (bound = setTimeout(r, 2_000)))]);
  clearTimeout(bound);
  const waited = Date.now() - started;
  assert.ok(waited >= 100 && waited < 2_000, `expired after ${waited} ms`);
  assert.equal(await s.get('/brokers/ids/1'), null);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await s.get('/brokers/ids/2'))!.value, '{}');
  await s.close();
});
