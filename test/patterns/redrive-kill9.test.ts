/**
 * kill -9 of a process running a RedriveWorker mid-redrive, twice, then a run to the end:
 * every dead-lettered record is redriven, none lost; without a dedup store a crash repeats at
 * most the record in hand (progress is committed after each record: at-least-once, at most
 * one duplicate per crash); with a dedup store whose mark commits with the effect (SQLite
 * processOnce in a transaction, Redis processOnce in a script) every effect exactly once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { Consumer, ParallelConsumer, Producer } from '@samsa/client';
import { FAST_GROUP, groupBroker, waitFor } from '../client/consumer-fixture.js';
import { ChildRun, killChildren } from '../helpers/child-process.js';
import { startRedisFor } from '../helpers/redis-process.js';

after(killChildren);

const CHILD = fileURLToPath(new URL('./redrive-child.js', import.meta.url));
const RECORDS = 1500;
type T = { after(fn: () => unknown): void; diagnostic(m: string): void };

function handledLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

/** Produces RECORDS to `orders`, and dead-letters every one of them through a consumer whose downstream always fails. */
async function deadLetterAll(bootstrap: string): Promise<Set<string>> {
  const producer = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 2 });
  try {
    const mds = await Promise.all(Array.from({ length: RECORDS }, (_, i) => producer.send({ topic: 'orders', key: `k-${i % 37}`, value: `order-${i}` })));
    let deadLettered = 0;
    const consumer = new Consumer({ 'bootstrap.servers': bootstrap, 'group.id': 'orders-app', 'enable.auto.commit': false, 'auto.offset.reset': 'earliest', ...FAST_GROUP });
    const pc = new ParallelConsumer(consumer, {
      workers: 8,
      handler: () => {
        throw new Error('downstream unavailable');
      },
      deadLetter: { producer, attempts: 2, backoff: { initialMs: 1, maxMs: 2 }, onDeadLetter: () => deadLettered++ },
    });
    pc.subscribe(['orders']);
    const run = pc.run();
    await waitFor(() => deadLettered >= RECORDS, 60_000, `all ${RECORDS} records dead-lettered`);
    await pc.stop(10_000);
    await run;
    await consumer.close(5_000);
    return new Set(mds.map((m) => `${m.partition} ${m.offset}`));
  } finally {
    await producer.close(5_000);
  }
}

/** The redrive worker run in a child, killed -9 at two points mid-redrive, then run until every dead letter is handled. */
async function redriveWithCrashes(t: T, store: string[]): Promise<{ all: Set<string>; lines: string[] }> {
  const broker = await groupBroker(t, { 'num.partitions': 4 });
  const bootstrap = broker.current.bootstrap;
  const dir = await mkdtemp(join(tmpdir(), 'samsa-redrive-kill-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, 'handled.txt');
  const health = join(dir, 'downstream-up');
  const all = await deadLetterAll(bootstrap);
  const args = [CHILD, bootstrap, 'orders.DLT', 'orders-redrive', out, health, ...store];
  const start = (what: string): ChildRun => new ChildRun(process.execPath, args, { timeoutMs: 90_000, what });
  const distinct = (): number => new Set(handledLines(out)).size;
  const waitOrDescribe = (run: ChildRun, cond: () => boolean, what: string): Promise<void> =>
    waitFor(cond, 60_000, what).catch((e) => {
      throw new Error(`${(e as Error).message}\n${run.describe()}`);
    });

  // The downstream is still down: the worker polls (keeping its group membership) but redrives nothing.
  const first = start('first redrive worker');
  await first.waitFor('stdout', /redriving/, 20_000, 'start');
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(handledLines(out).length, 0, 'nothing redriven while the health check fails');
  await writeFile(health, 'up');

  let kills = 0;
  let run = first;
  for (const target of [RECORDS / 4, RECORDS / 2]) {
    await waitOrDescribe(run, () => distinct() >= target, `${target} dead letters redriven`);
    run.child.kill('SIGKILL');
    assert.equal((await run.finished).signal, 'SIGKILL');
    kills++;
    assert.ok(distinct() < all.size, `killed mid-redrive (${distinct()} of ${all.size} handled)`);
    run = start(`redrive worker after kill ${kills}`);
  }
  await waitOrDescribe(run, () => distinct() >= all.size, 'every dead letter redriven after the restarts');
  run.child.kill('SIGTERM');
  await run.finished;

  const lines = handledLines(out);
  const seen = new Set(lines);
  assert.deepEqual([...all].filter((id) => !seen.has(id)), [], 'no dead letter lost');
  assert.deepEqual(lines.filter((id) => !all.has(id)), [], 'only dead letters redriven');
  assert.ok(lines.length - all.size <= kills, `a crash repeats at most the record in hand: ${lines.length - all.size} repeats over ${kills} crashes`);
  t.diagnostic(`${lines.length} redrives for ${all.size} dead letters over ${kills} kill -9s`);
  return { all, lines };
}

function assertOncePerRecord(effects: string[], all: Set<string>): void {
  const counts = new Map<string, number>();
  for (const e of effects) counts.set(e, (counts.get(e) ?? 0) + 1);
  assert.equal(counts.size, all.size, 'an effect for every dead letter');
  assert.deepEqual([...counts].filter(([, n]) => n !== 1), [], 'no effect twice');
  assert.ok([...counts.keys()].every((id) => all.has(id)));
}

test('redrive worker killed -9 mid-redrive and restarted, no dedup store: none lost, at most one repeat per crash', { timeout: 150_000 }, async (t) => {
  await redriveWithCrashes(t, ['none']);
});

test('redrive worker killed -9 and restarted with a SQLite dedup store (processOnce): every effect exactly once', { timeout: 150_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-redrive-sqlite-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'effects.db');
  const { all } = await redriveWithCrashes(t, ['sqlite', file]);
  const db = new Database(file, { readonly: true });
  try {
    assertOncePerRecord((db.prepare('SELECT id FROM effects').all() as Array<{ id: string }>).map((r) => r.id), all);
  } finally {
    db.close();
  }
});

test('redrive worker killed -9 and restarted with a Redis dedup store (processOnce): every effect exactly once', { timeout: 150_000 }, async (t) => {
  const server = await startRedisFor(t);
  const { all } = await redriveWithCrashes(t, ['redis', server.url]);
  const client = createClient({ url: server.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    assertOncePerRecord(await client.lRange('effects', 0, -1), all);
  } finally {
    client.destroy();
  }
});
