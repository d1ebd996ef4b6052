/**
 * A consuming process for the kill -9 test: a ParallelConsumer whose handler appends
 * "partition offset" to a file (appendFileSync: the line is in the kernel's page cache
 * before the record counts as handled, so it survives the process's SIGKILL).
 * With a SQLite file as fifth argument, each record's effect (a row in `effects`) is written
 * with SqliteDedupStore.processOnce, in the same transaction as its dedup mark.
 * Usage: node parallel-child.js <bootstrap> <topic> <group> <out-file> [sqlite-file]
 */
import { appendFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Consumer, messageIdOf, ParallelConsumer, SqliteDedupStore, type ConsumerRecord } from '@samsa/client';

const [bootstrap, topic, group, outFile, sqliteFile] = process.argv.slice(2) as [string, string, string, string, string | undefined];
let effect: (r: ConsumerRecord) => void = () => undefined;
if (sqliteFile) {
  const db = new Database(sqliteFile);
  // WAL with synchronous=NORMAL survives a process crash (not a power cut) without an fsync per transaction.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const store = new SqliteDedupStore(db);
  db.exec('CREATE TABLE IF NOT EXISTS effects (id TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO effects (id) VALUES (?)');
  effect = (r) => void store.processOnce(messageIdOf(r, undefined), () => insert.run(`${r.partition} ${r.offset}`));
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
const pc = new ParallelConsumer(consumer, {
  workers: 16,
  commitIntervalMs: 100,
  handler: async (r) => {
    await new Promise((res) => setTimeout(res, Math.random() * 4));
    effect(r);
    appendFileSync(outFile, `${r.partition} ${r.offset}\n`);
  },
});
pc.subscribe([topic]);
process.on('SIGTERM', () => void pc.stop(5_000).then(() => consumer.close(5_000)).then(() => process.exit(0)));
console.log('consuming');
await pc.run();
