/**
 * A redrive worker process for the kill -9 test: a RedriveWorker over the dead-letter topic
 * whose health check is "the file <health-file> exists", and whose handler appends the
 * original record's "partition offset" to <out-file> (appendFileSync: in the page cache, so
 * it survives the process's SIGKILL) once the record's effect is done.
 * The effect, by store:
 * - none: the appended line is the effect (at-least-once);
 * - sqlite <file>: a row in `effects`, written with SqliteDedupStore.processOnce in the
 *   transaction that marks the id;
 * - redis <url>: RPUSH to the list `effects`, run with RedisDedupStore.processOnce in the
 *   script that marks the id.
 * Usage: node redrive-child.js <bootstrap> <dlt-topic> <group> <out-file> <health-file> [none | sqlite <file> | redis <url>]
 */
import { appendFileSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { Consumer, messageIdOf, RedisDedupStore, RedriveWorker, SqliteDedupStore, type ConsumerRecord } from '@samsa/client';

const [bootstrap, topic, group, outFile, healthFile, storeKind = 'none', storeArg] = process.argv.slice(2) as [string, string, string, string, string, string?, string?];

let effect: (r: ConsumerRecord) => unknown = () => undefined;
if (storeKind === 'sqlite') {
  const db = new Database(storeArg!);
  // WAL with synchronous=NORMAL survives a process crash (not a power cut) without an fsync per transaction.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const store = new SqliteDedupStore(db);
  db.exec('CREATE TABLE IF NOT EXISTS effects (id TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO effects (id) VALUES (?)');
  effect = (r) => store.processOnce(messageIdOf(r, undefined), () => insert.run(`${r.partition} ${r.offset}`));
} else if (storeKind === 'redis') {
  const client = createClient({ url: storeArg! });
  client.on('error', () => undefined);
  await client.connect();
  const store = new RedisDedupStore(client, { ttlMs: 600_000 });
  effect = (r) => store.processOnce(messageIdOf(r, undefined), [['RPUSH', 'effects', `${r.partition} ${r.offset}`]]);
}

const consumer = new Consumer({
  'bootstrap.servers': bootstrap,
  'group.id': group,
  'enable.auto.commit': false,
  'auto.offset.reset': 'earliest',
  'session.timeout.ms': 6000,
  'heartbeat.interval.ms': 300,
  'retry.backoff.ms': 50,
  'fetch.max.wait.ms': 100,
});
const worker = new RedriveWorker(consumer, {
  topics: topic,
  healthCheck: () => existsSync(healthFile),
  healthCheckIntervalMs: 50,
  handler: async (r) => {
    await effect(r);
    // The worker hands over the original record: its partition and offset in the source topic.
    appendFileSync(outFile, `${r.partition} ${r.offset}\n`);
  },
});
process.on('SIGTERM', () => void worker.stop().then(() => consumer.close(5_000)).then(() => process.exit(0)));
console.log('redriving');
await worker.run();
