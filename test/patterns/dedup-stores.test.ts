/**
 * One scenario, every dedup store: in-memory, Redis (a real redis-server), SQLite
 * (better-sqlite3 on a temp file) and PostgreSQL (a real postgres). mark is atomic under
 * concurrency, unmark lets a retry through, idempotent() runs a handler once per id in both
 * mark modes, and the SQL stores' processOnce commits the effect and the mark together.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createClient } from 'redis';
import { idempotent, MemoryDedupStore, PostgresDedupStore, RedisDedupStore, SqliteDedupStore, type ConsumerRecord, type DedupStore } from '@samsa/client';
import { startPostgresFor } from '../helpers/postgres-process.js';
import { startRedisFor } from '../helpers/redis-process.js';

type After = { after(fn: () => unknown): void };

function rec(offset: number, id: string | null): ConsumerRecord {
  return { topic: 't', partition: 0, offset, timestamp: 0, timestampType: 'CreateTime', key: null, value: Buffer.from(`v${offset}`), headers: id === null ? [] : [{ key: 'message-id', value: Buffer.from(id) }], leaderEpoch: null };
}

const STORES: Array<{ name: string; open(t: After): Promise<DedupStore> }> = [
  { name: 'memory', open: async () => new MemoryDedupStore() },
  {
    name: 'redis',
    open: async (t) => {
      const server = await startRedisFor(t);
      const client = createClient({ url: server.url });
      client.on('error', () => undefined);
      await client.connect();
      t.after(() => client.destroy());
      return new RedisDedupStore(client, { ttlMs: 60_000 });
    },
  },
  {
    name: 'sqlite',
    open: async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'samsa-sqlite-'));
      const db = new Database(join(dir, 'dedup.db'));
      t.after(() => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return new SqliteDedupStore(db);
    },
  },
  {
    name: 'postgres',
    open: async (t) => {
      const server = await startPostgresFor(t);
      const pool = new pg.Pool({ ...server.connection, max: 8 });
      pool.on('error', () => undefined);
      t.after(() => pool.end());
      return new PostgresDedupStore(pool);
    },
  },
];

for (const s of STORES) {
  test(`${s.name} store: mark once, concurrent marks have one winner, unmark, idempotent() in both modes`, { timeout: 60_000 }, async (t) => {
    const store = await s.open(t);
    assert.equal(await store.has('a'), false);
    assert.equal(await store.mark('a'), true);
    assert.equal(await store.mark('a'), false);
    assert.equal(await store.has('a'), true);
    await store.unmark('a');
    assert.equal(await store.mark('a'), true, 'marked again after unmark');

    const wins = await Promise.all(Array.from({ length: 40 }, () => store.mark('race')));
    assert.equal(wins.filter(Boolean).length, 1, 'exactly one of 40 concurrent marks wins');

    for (const mark of ['mark-after', 'mark-before'] as const) {
      const ran = new Map<string, number>();
      let duplicates = 0;
      let failOnce = true;
      const handle = idempotent(
        async (r) => {
          const id = r.headers[0]?.value?.toString() ?? `t-0@${r.offset}`;
          if (id === `${mark}-7` && failOnce) {
            failOnce = false;
            throw new Error('downstream failed');
          }
          ran.set(id, (ran.get(id) ?? 0) + 1);
        },
        { store, mark, onDuplicate: () => duplicates++ },
      );
      // Each id delivered three times (a replay and a producer retry), one-at-a-time per id as key-ordered processing does.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 20; i++) {
          try {
            await handle(rec(i + round * 100, `${mark}-${i}`));
          } catch (e) {
            assert.equal((e as Error).message, 'downstream failed');
          }
        }
      }
      assert.equal(ran.size, 20, `${mark}: every id processed`);
      assert.ok([...ran.values()].every((n) => n === 1), `${mark}: each id processed once (the failed attempt retried)`);
      assert.equal(duplicates, 39, `${mark}: the other deliveries skipped`);
    }
    // Without a message-id header the id is the record's origin: the same record again is a duplicate.
    const seen: number[] = [];
    const byOrigin = idempotent((r) => void seen.push(r.offset), { store });
    await byOrigin(rec(5, null));
    await byOrigin(rec(5, null));
    await byOrigin(rec(6, null));
    assert.deepEqual(seen, [5, 6]);
  });
}

test('memory store: bounded (oldest forgotten first) and ids expire after ttlMs', async () => {
  let now = 1_000;
  const store = new MemoryDedupStore({ maxEntries: 3, ttlMs: 100, now: () => now });
  for (const id of ['a', 'b', 'c', 'd']) assert.equal(await store.mark(id), true);
  assert.equal(store.size, 3);
  assert.equal(await store.has('a'), false, 'the oldest was evicted');
  assert.equal(await store.mark('d'), false);
  now += 101;
  assert.equal(await store.has('d'), false, 'expired');
  assert.equal(await store.mark('d'), true);
  assert.equal(store.size, 1, 'expired ids are dropped');
});

test('redis store: SET NX PX expiry forgets an id after ttlMs', { timeout: 30_000 }, async (t) => {
  const server = await startRedisFor(t);
  const client = createClient({ url: server.url });
  client.on('error', () => undefined);
  await client.connect();
  t.after(() => client.destroy());
  const store = new RedisDedupStore(client, { ttlMs: 150, keyPrefix: 'x:' });
  assert.equal(await store.mark('e'), true);
  assert.equal(await client.pTTL('x:e') > 0, true, 'the key carries an expiry');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await store.mark('e'), true, 'marked again once expired');
});

test('sqlite processOnce: the effect and the mark commit together; a failing effect rolls the mark back', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-sqlite-'));
  const db = new Database(join(dir, 'dedup.db'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const store = new SqliteDedupStore(db);
  db.exec('CREATE TABLE effects (id TEXT, amount INTEGER)');
  const add = db.prepare('INSERT INTO effects VALUES (?, ?)');
  assert.equal(store.processOnce('p1', () => add.run('p1', 10)), true);
  assert.equal(store.processOnce('p1', () => add.run('p1', 10)), false);
  assert.throws(() =>
    store.processOnce('p2', () => {
      add.run('p2', 5);
      throw new Error('effect failed');
    }),
  );
  assert.equal(store.processOnce('p2', () => add.run('p2', 5)), true, 'the failed attempt left no mark');
  assert.deepEqual(db.prepare('SELECT id, amount FROM effects ORDER BY id').all(), [{ id: 'p1', amount: 10 }, { id: 'p2', amount: 5 }]);
  assert.equal(store.purge(Date.now() + 1), 2);
});

test('postgres processOnce: concurrent deliveries commit one effect; a failing effect rolls the mark back', { timeout: 60_000 }, async (t) => {
  const server = await startPostgresFor(t);
  const pool = new pg.Pool({ ...server.connection, max: 8 });
  pool.on('error', () => undefined);
  t.after(() => pool.end());
  const store = new PostgresDedupStore(pool);
  await pool.query('CREATE TABLE effects (id TEXT, amount INTEGER)');
  const results = await Promise.all(Array.from({ length: 8 }, () => store.processOnce('p1', (c) => c.query('INSERT INTO effects VALUES ($1, $2)', ['p1', 10]))));
  assert.equal(results.filter(Boolean).length, 1, 'one of 8 concurrent deliveries ran the effect');
  await assert.rejects(store.processOnce('p2', async (c) => {
    await c.query('INSERT INTO effects VALUES ($1, $2)', ['p2', 5]);
    throw new Error('effect failed');
  }));
  assert.equal(await store.has('p2'), false);
  assert.equal(await store.processOnce('p2', (c) => c.query('INSERT INTO effects VALUES ($1, $2)', ['p2', 5])), true);
  assert.deepEqual((await pool.query('SELECT id, amount FROM effects ORDER BY id')).rows, [{ id: 'p1', amount: 10 }, { id: 'p2', amount: 5 }]);
  assert.equal(await store.purge(new Date(Date.now() + 60_000)), 2);
});

test('redis processOnce: the effect commands and the mark run in one script; a duplicate runs nothing; a failing command leaves no mark', { timeout: 30_000 }, async (t) => {
  const server = await startRedisFor(t);
  const client = createClient({ url: server.url });
  client.on('error', () => undefined);
  await client.connect();
  t.after(() => client.destroy());
  const store = new RedisDedupStore(client, { ttlMs: 60_000 });
  assert.equal(await store.processOnce('p1', [['INCRBY', 'balance', '10'], ['RPUSH', 'log', 'p1']]), true);
  assert.equal(await store.processOnce('p1', [['INCRBY', 'balance', '10'], ['RPUSH', 'log', 'p1']]), false);
  assert.equal(await client.get('balance'), '10');
  assert.deepEqual(await client.lRange('log', 0, -1), ['p1']);
  assert.equal(await store.has('p1'), true);
  // INCRBY on a list fails (WRONGTYPE): the script stops before the mark, so a retry runs again.
  await assert.rejects(store.processOnce('p2', [['INCRBY', 'log', '1']]));
  assert.equal(await store.has('p2'), false);
  assert.equal(await store.processOnce('p2', [['INCRBY', 'balance', '5']]), true);
  assert.equal(await client.get('balance'), '15');
});
