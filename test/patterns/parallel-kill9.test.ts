/**
 * kill -9 of a process running a ParallelConsumer mid-stream, then a restart: every record
 * is handled at least once (the commits only ever cover handled records), duplicates only
 * from the last commit on; and with a SQLite dedup store marked in the effect's transaction,
 * every effect exactly once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Producer } from '@samsa/client';
import { groupBroker, waitFor } from '../client/consumer-fixture.js';
import { ChildRun, killChildren } from '../helpers/child-process.js';

after(killChildren);

const CHILD = fileURLToPath(new URL('./parallel-child.js', import.meta.url));

function handledLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

async function crashAndRestart(t: { after(fn: () => unknown): void; diagnostic(m: string): void }, withStore: boolean): Promise<{ all: Set<string>; dir: string; sqlite: string }> {
  const broker = await groupBroker(t, { 'num.partitions': 4 });
  const bootstrap = broker.current.bootstrap;
  const dir = await mkdtemp(join(tmpdir(), 'samsa-par-kill-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, 'handled.txt');
  const sqlite = join(dir, 'effects.db');
  const extra = withStore ? [sqlite] : [];
  const producer = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 2 });
  const mds = await Promise.all(Array.from({ length: 4000 }, (_, i) => producer.send({ topic: 'crash', key: `k-${i % 113}`, value: `v-${i}` })));
  await producer.close(5_000);
  const all = new Set(mds.map((m) => `${m.partition} ${m.offset}`));

  const first = new ChildRun(process.execPath, [CHILD, bootstrap, 'crash', 'crash-group', out, ...extra], { timeoutMs: 60_000, what: 'first consumer' });
  await first.waitFor('stdout', /consuming/, 20_000, 'start');
  await waitFor(() => handledLines(out).length >= 2000, 40_000, '2000 records handled by the first process').catch((e) => {
    throw new Error(`${(e as Error).message}\n${first.describe()}`);
  });
  first.child.kill('SIGKILL');
  const r1 = await first.finished;
  assert.equal(r1.signal, 'SIGKILL');
  const handledBeforeCrash = new Set(handledLines(out)).size;
  assert.ok(handledBeforeCrash < all.size, `killed mid-stream (${handledBeforeCrash} of ${all.size} handled)`);

  const second = new ChildRun(process.execPath, [CHILD, bootstrap, 'crash', 'crash-group', out, ...extra], { timeoutMs: 90_000, what: 'restarted consumer' });
  await waitFor(() => new Set(handledLines(out)).size >= all.size, 60_000, 'every record handled after the restart').catch((e) => {
    throw new Error(`${(e as Error).message}\n${second.describe()}`);
  });
  second.child.kill('SIGTERM');
  await second.finished;
  const final = handledLines(out);
  const finalSet = new Set(final);
  const missing = [...all].filter((id) => !finalSet.has(id));
  assert.deepEqual(missing, [], 'no record lost');
  const unknown = final.filter((id) => !all.has(id));
  assert.deepEqual(unknown, []);
  t.diagnostic(`handled ${final.length} times for ${all.size} records (${final.length - all.size} replayed after the crash)`);
  return { all, dir, sqlite };
}

test('kill -9 of the consuming process mid-stream and a restart: no record lost', { timeout: 120_000 }, async (t) => {
  await crashAndRestart(t, false);
});

test('kill -9 and restart with a SQLite dedup store marked in the effect\'s transaction: every effect exactly once', { timeout: 120_000 }, async (t) => {
  const { all, sqlite } = await crashAndRestart(t, true);
  const db = new Database(sqlite, { readonly: true });
  try {
    const rows = db.prepare('SELECT id, count(*) AS n FROM effects GROUP BY id').all() as Array<{ id: string; n: number }>;
    assert.equal(rows.length, all.size, 'an effect for every record');
    assert.deepEqual(rows.filter((r) => r.n !== 1), [], 'no effect twice');
    assert.ok(rows.every((r) => all.has(r.id)));
  } finally {
    db.close();
  }
});
