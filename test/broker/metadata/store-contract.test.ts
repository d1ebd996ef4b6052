/**
 * The MetadataStore contract, one scenario list run against every implementation: the
 * embedded store (in memory) and a real etcd (Debian's etcd-server, started here). Each
 * etcd case uses its own key prefix, which also proves that prefixes keep clusters apart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { EmbeddedMetadataStore, EtcdMetadataStore, type MetadataStore, type WatchEvent } from '@samsa/broker';
import { ChildRun, killChildren, sleep } from '../../helpers/child-process.js';
import { startEtcd, type EtcdProcess } from '../../helpers/etcd-process.js';

const CHILD = fileURLToPath(new URL('../../helpers/metadata-store-child.js', import.meta.url));

interface StoreKind {
  name: string;
  /** A fresh, empty store; closed by the case's t.after. */
  open(): Promise<MetadataStore>;
  /** The address a child process opens the same store by, or null when it cannot (in-process only). */
  childAddress(): string | null;
  /** Makes the store drop the history of changes up to now (etcd: a compaction). */
  forgetHistory(store: MetadataStore): Promise<void>;
}

/** Polls `check` until it holds; every wait has a deadline and says what it waited for. */
async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

function eventsOf(seen: readonly WatchEvent[]): string[] {
  return seen.map((e) => `${e.type} ${e.key}${e.value === null ? '' : `=${e.value}`}`);
}

let etcd: EtcdProcess;
let prefixCount = 0;
let lastPrefix = '';
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  killChildren();
  await etcd?.stop();
});

const kinds: StoreKind[] = [
  {
    name: 'embedded',
    open: () => EmbeddedMetadataStore.open(null),
    childAddress: () => null,
    // It keeps the last 10,000 changes.
    forgetHistory: async (store) => {
      for (let i = 0; i <= 10_000; i++) await store.put('/filler', String(i));
    },
  },
  {
    name: 'etcd',
    open: () => {
      lastPrefix = `/contract-${++prefixCount}`;
      return EtcdMetadataStore.connect({ endpoints: [etcd.endpoint], prefix: lastPrefix, connectTimeoutMs: 5_000 });
    },
    childAddress: () => etcd.url(lastPrefix),
    forgetHistory: async (store) => {
      const client = new Etcd3({ hosts: `http://${etcd.endpoint}` });
      try {
        await client.kv.compact({ revision: (await store.listWithRevision('/')).revision, physical: true });
      } finally {
        client.close();
      }
    },
  },
];

for (const kind of kinds) {
  describe(`MetadataStore contract: ${kind.name}`, () => {
    async function openFor(t: { after(fn: () => unknown): void }): Promise<MetadataStore> {
      const store = await kind.open();
      t.after(() => store.close());
      return store;
    }

    test('get, put, list in key order under a prefix only, delete', async (t) => {
      const s = await openFor(t);
      assert.equal(await s.get('/topics/a'), null);
      await s.put('/topics/b', 'B');
      await s.put('/topics/a', 'A');
      await s.put('/topicsx', 'not under /topics/');
      await s.put('/brokers/ids/1', '{}');
      assert.equal((await s.get('/topics/a'))?.value, 'A');
      assert.deepEqual((await s.list('/topics/')).map((kv) => `${kv.key}=${kv.value}`), ['/topics/a=A', '/topics/b=B']);
      await s.delete('/topics/a');
      await s.delete('/topics/never-there');
      assert.equal(await s.get('/topics/a'), null);
      assert.deepEqual((await s.list('/topics/')).map((kv) => kv.key), ['/topics/b']);
      assert.deepEqual((await s.list('/')).map((kv) => kv.key), ['/brokers/ids/1', '/topics/b', '/topicsx']);
    });

    test('every write gets a new revision; a key keeps the revision of its last write', async (t) => {
      const s = await openFor(t);
      const r1 = await s.put('/a', '1');
      const r2 = await s.put('/b', '1');
      assert.ok(r1 > 0 && r2 > r1, `revisions ${r1}, ${r2} increase`);
      assert.equal((await s.get('/a'))?.modRevision, r1);
      assert.equal((await s.get('/b'))?.modRevision, r2);
      const r3 = await s.put('/a', '2');
      assert.ok(r3 > r2);
      assert.equal((await s.get('/a'))?.modRevision, r3);
      const listed = await s.listWithRevision('/');
      assert.equal(listed.revision, r3);
      assert.deepEqual(listed.kvs.map((kv) => [kv.key, kv.modRevision]), [['/a', r3], ['/b', r2]]);
    });

    test('txn applies all its ops at one revision only when every compare holds', async (t) => {
      const s = await openFor(t);
      const created = await s.txn([{ key: '/x', modRevision: 0 }], [{ type: 'put', key: '/x', value: '1' }, { type: 'put', key: '/y', value: '1' }]);
      assert.equal(created.succeeded, true);
      assert.equal((await s.get('/x'))?.modRevision, created.revision);
      assert.equal((await s.get('/y'))?.modRevision, created.revision);
      // modRevision 0 means absent: a second create fails and changes nothing.
      const again = await s.txn([{ key: '/x', modRevision: 0 }], [{ type: 'put', key: '/x', value: '2' }, { type: 'delete', key: '/y' }]);
      assert.equal(again.succeeded, false);
      assert.equal((await s.get('/x'))?.value, '1');
      assert.equal((await s.get('/y'))?.value, '1');
      // One stale compare among good ones fails the whole transaction.
      const stale = await s.txn(
        [{ key: '/x', modRevision: created.revision }, { key: '/y', modRevision: created.revision - 1 }],
        [{ type: 'put', key: '/x', value: '3' }],
      );
      assert.equal(stale.succeeded, false);
      assert.equal((await s.get('/x'))?.value, '1');
      const swap = await s.txn(
        [{ key: '/x', modRevision: created.revision }, { key: '/y', modRevision: created.revision }],
        [{ type: 'put', key: '/x', value: '4' }, { type: 'delete', key: '/y' }],
      );
      assert.equal(swap.succeeded, true);
      assert.ok(swap.revision > created.revision);
      assert.deepEqual(await s.get('/x'), { key: '/x', value: '4', modRevision: swap.revision });
      assert.equal(await s.get('/y'), null);
    });

    test('keys bound to a lease vanish when it is revoked, and the lease says it ended', async (t) => {
      const s = await openFor(t);
      const lease = await s.grantLease(5_000);
      await s.put('/brokers/ids/1', 'b1', lease);
      await s.txn([{ key: '/controller', modRevision: 0 }], [{ type: 'put', key: '/controller', value: '1', lease }]);
      await s.put('/durable', 'd');
      let ended = false;
      void lease.ended.then(() => (ended = true));
      await sleep(50);
      assert.equal(ended, false);
      await lease.revoke();
      await waitUntil('lease.ended after revoke', 1_000, () => ended);
      assert.equal(await s.get('/brokers/ids/1'), null);
      assert.equal(await s.get('/controller'), null);
      assert.equal((await s.get('/durable'))?.value, 'd');
      await assert.rejects(s.put('/late', 'x', lease), /ended/);
    });

    test('revokeLease by id (a liveness probe ending another broker\'s session) takes its keys in one revision; the holder learns and its own revoke is no error', async (t) => {
      const s = await openFor(t);
      const lease = await s.grantLease(3_000);
      await s.put('/brokers/ids/2', 'b2', lease);
      await s.put('/controller', '2', lease);
      const seen: WatchEvent[] = [];
      const unwatch = s.watch('/', (e) => seen.push(e));
      t.after(unwatch);
      let ended = false;
      void lease.ended.then(() => (ended = true));
      await sleep(100);
      await s.revokeLease(lease.id);
      assert.equal(await s.get('/brokers/ids/2'), null);
      assert.equal(await s.get('/controller'), null);
      await waitUntil('both deletes seen', 2_000, () => seen.length >= 2);
      assert.deepEqual(eventsOf(seen).sort(), ['delete /brokers/ids/2', 'delete /controller'].sort());
      assert.equal(seen[0]!.modRevision, seen[1]!.modRevision, 'one revision');
      // The holder hears of it through its next keep-alive (etcd) or at once (embedded).
      await waitUntil('the holder\'s lease ended', 3_000, () => ended);
      await lease.revoke();
      await s.revokeLease(lease.id);
      await s.revokeLease('12345');
    });

    test('watch sees puts and deletes under its prefix only, in order, until unsubscribed', async (t) => {
      const s = await openFor(t);
      const seen: WatchEvent[] = [];
      const stop = s.watch('/topics/', (e) => seen.push(e), { startRevision: (await s.listWithRevision('/')).revision + 1 });
      await s.put('/topics/a', 'x');
      await s.put('/other', 'y');
      await s.txn([], [{ type: 'put', key: '/topics/b', value: 'z' }, { type: 'delete', key: '/topics/a' }]);
      await waitUntil('three watch events', 5_000, () => seen.length >= 3);
      assert.deepEqual(eventsOf(seen), ['put /topics/a=x', 'put /topics/b=z', 'delete /topics/a']);
      assert.equal(seen[1]!.modRevision, seen[2]!.modRevision, 'one transaction, one revision');
      stop();
      await s.put('/topics/c', 'late');
      await sleep(200);
      assert.equal(seen.length, 3);
    });

    test('a watch from a revision replays the changes since, then follows live ones', async (t) => {
      const s = await openFor(t);
      await s.put('/k/1', 'a');
      const from = await s.put('/k/2', 'b');
      await s.delete('/k/1');
      const seen: WatchEvent[] = [];
      s.watch('/k/', (e) => seen.push(e), { startRevision: from });
      await s.put('/k/3', 'c');
      await waitUntil('replayed and live events', 5_000, () => seen.length >= 3);
      assert.deepEqual(eventsOf(seen), ['put /k/2=b', 'delete /k/1', 'put /k/3=c']);
      assert.equal(seen[0]!.modRevision, from);
    });

    test('list-then-watch from the list revision misses nothing written in between', async (t) => {
      const s = await openFor(t);
      await s.put('/n/0', '0');
      const { kvs, revision } = await s.listWithRevision('/n/');
      // Written after the list and before the watch call: a watch from "now" could miss it.
      await s.put('/n/1', '1');
      const seen: WatchEvent[] = [];
      s.watch('/n/', (e) => seen.push(e), { startRevision: revision + 1 });
      await s.put('/n/2', '2');
      await waitUntil('both later writes', 5_000, () => seen.length >= 2);
      assert.deepEqual(kvs.map((kv) => kv.key), ['/n/0']);
      assert.deepEqual(eventsOf(seen), ['put /n/1=1', 'put /n/2=2']);
    });

    test('a watch from a revision the store has forgotten reports an error instead of skipping changes', async (t) => {
      const s = await openFor(t);
      const from = await s.put('/old/1', 'a');
      await s.put('/old/2', 'b');
      await kind.forgetHistory(s);
      const seen: WatchEvent[] = [];
      let failure: Error | null = null;
      s.watch('/old/', (e) => seen.push(e), { startRevision: from, onError: (e) => (failure = e) });
      await waitUntil('onError', 5_000, () => failure !== null);
      t.diagnostic(`onError: ${String(failure)}`);
      await s.put('/old/3', 'c');
      await sleep(200);
      assert.deepEqual(seen, [], 'no events from a watch that could not start where asked');
    });

    test('close ends watches and refuses further writes; a closed store leaves its process free to exit', async (t) => {
      const s = await kind.open();
      const seen: WatchEvent[] = [];
      s.watch('/', (e) => seen.push(e));
      await s.close();
      await assert.rejects(s.txn([], [{ type: 'put', key: '/after', value: 'x' }]), /closed/);
      assert.deepEqual(seen, []);
      const address = kind.childAddress() ?? 'embedded';
      const child = new ChildRun(process.execPath, [CHILD, 'close', address], { timeoutMs: 15_000, what: `a ${kind.name} store user that closes its store` });
      await child.waitFor('stdout', /closed/, 10_000, 'the store closed');
      const result = await child.finished;
      t.diagnostic(`child exited with ${result.code}`);
      assert.equal(result.code, 0, child.describe());
    });

    if (kind.name === 'etcd') {
      test('a lease held by a process killed -9 expires after its TTL and takes its keys', async (t) => {
        const s = await openFor(t);
        const seen: WatchEvent[] = [];
        s.watch('/brokers/', (e) => seen.push(e), { startRevision: (await s.listWithRevision('/')).revision + 1 });
        const holder = new ChildRun(process.execPath, [CHILD, 'hold', kind.childAddress()!, '/brokers/ids/7'], { timeoutMs: 60_000, what: 'a lease holder' });
        await holder.waitFor('stdout', /ready/, 10_000, 'the lease key written');
        assert.equal((await s.get('/brokers/ids/7'))?.value, 'held');
        // Kept alive past its 2 s TTL while the holder lives.
        await sleep(3_000);
        assert.equal((await s.get('/brokers/ids/7'))?.value, 'held', 'the holder keeps its lease alive');
        const killedAt = Date.now();
        holder.child.kill('SIGKILL');
        await holder.finished;
        await waitUntil('the dead holder\'s key to vanish', 10_000, async () => (await s.get('/brokers/ids/7')) === null);
        t.diagnostic(`key gone ${Date.now() - killedAt} ms after kill -9`);
        // The watch is a separate stream: its delete event may arrive just after a get sees the key gone.
        await waitUntil('the watch to report the delete', 5_000, () => seen.length >= 2);
        assert.deepEqual(eventsOf(seen), ['put /brokers/ids/7=held', 'delete /brokers/ids/7']);
      });

      test('a lease ends within its TTL once etcd is gone, and close still returns', async (t) => {
        const doomed = await startEtcd();
        t.after(() => doomed.stop());
        const s = await EtcdMetadataStore.connect({ endpoints: [doomed.endpoint], prefix: '', connectTimeoutMs: 5_000 });
        const lease = await s.grantLease(2_000);
        await s.put('/brokers/ids/1', 'b1', lease);
        let endedAt = 0;
        void lease.ended.then(() => (endedAt = Date.now()));
        await sleep(2_500);
        assert.equal(endedAt, 0, 'kept alive while etcd runs');
        const killedAt = Date.now();
        await doomed.stop();
        // The server may have received a keep-alive just before the kill: it would expire the
        // lease TTL (2 s) after that, so the session must end no later than that.
        await waitUntil('lease.ended after etcd died', 4_000, () => endedAt > 0);
        t.diagnostic(`lease ended ${endedAt - killedAt} ms after etcd was killed`);
        assert.ok(endedAt - killedAt <= 2_200, `ended ${endedAt - killedAt} ms after the kill, past the 2 s TTL`);
        const closing = Date.now();
        await s.close();
        assert.ok(Date.now() - closing < 3_000, 'close does not wait on a dead etcd');
      });

      test('a watch follows etcd through a crash and restart, missing and repeating nothing', async (t) => {
        const crashing = await startEtcd();
        t.after(() => crashing.stop());
        const watching = await EtcdMetadataStore.connect({ endpoints: [crashing.endpoint], prefix: '', connectTimeoutMs: 5_000 });
        t.after(() => watching.close());
        const seen: WatchEvent[] = [];
        watching.watch('/w/', (e) => seen.push(e), { startRevision: (await watching.listWithRevision('/')).revision + 1 });
        await watching.put('/w/1', '1');
        await waitUntil('the first event', 5_000, () => seen.length >= 1);
        await crashing.restart();
        // Another client writes while the watcher's stream is still reconnecting (backoff).
        const other = await EtcdMetadataStore.connect({ endpoints: [crashing.endpoint], prefix: '', connectTimeoutMs: 5_000 });
        t.after(() => other.close());
        await other.put('/w/2', '2');
        // The watcher's own client may still hold its circuit breaker open for a few seconds.
        await waitUntil('a write through the reconnected client', 20_000, () => watching.put('/w/3', '3').then(() => true, () => false));
        await waitUntil('the events written after the restart', 20_000, () => seen.length >= 3);
        await sleep(200);
        assert.deepEqual(eventsOf(seen), ['put /w/1=1', 'put /w/2=2', 'put /w/3=3']);
      });

      test('two prefixes on one etcd are two separate stores', async (t) => {
        const a = await EtcdMetadataStore.connect({ endpoints: [etcd.endpoint], prefix: '/cluster-a', connectTimeoutMs: 5_000 });
        const b = await EtcdMetadataStore.connect({ endpoints: [etcd.endpoint], prefix: '/cluster-a2', connectTimeoutMs: 5_000 });
        t.after(() => Promise.all([a.close(), b.close()]));
        const seenByB: WatchEvent[] = [];
        b.watch('/', (e) => seenByB.push(e), { startRevision: (await b.listWithRevision('/')).revision + 1 });
        await a.put('/cluster/id', '"a"');
        await b.put('/cluster/id', '"b"');
        assert.equal((await a.get('/cluster/id'))?.value, '"a"');
        assert.deepEqual((await b.list('/')).map((kv) => `${kv.key}=${kv.value}`), ['/cluster/id="b"']);
        await waitUntil('b\'s own event', 5_000, () => seenByB.length >= 1);
        await sleep(100);
        assert.deepEqual(eventsOf(seenByB), ['put /cluster/id="b"']);
      });
    }
  });
}
