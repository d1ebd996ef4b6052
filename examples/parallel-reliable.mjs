// Reliable parallel processing: key-ordered workers, a dead-letter topic for records that
// keep failing, and a dedup store so a replayed record is not applied twice.
// Usage: node examples/parallel-reliable.mjs <bootstrap> <topic> <group>
import { Consumer, idempotent, MemoryDedupStore, ParallelConsumer, Producer, headerValue } from '@samsa/client';

const [bootstrap, topic, group] = process.argv.slice(2);
const producer = new Producer({ 'bootstrap.servers': bootstrap });
const consumer = new Consumer({ 'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': false, 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 100 });
// In production use RedisDedupStore or an SQL store: the memory store forgets on restart.
const store = new MemoryDedupStore({ maxEntries: 100_000, ttlMs: 3_600_000 });

let applied = 0;
async function apply(record) {
  if (record.value?.toString().startsWith('poison')) throw new Error('cannot parse');
  await new Promise((res) => setTimeout(res, 5)); // the downstream call
  applied++;
}

const pc = new ParallelConsumer(consumer, {
  workers: 16,
  handler: idempotent(apply, { store, messageId: (r) => headerValue(r, 'message-id') ?? `${r.topic}-${r.partition}@${r.offset}` }),
  deadLetter: { producer, topic: `${topic}.DLT`, attempts: 3, backoff: { initialMs: 10, maxMs: 100 }, onDeadLetter: (r, e) => console.log(`dead-lettered ${r.partition} ${r.offset}: ${e.message}`) },
});
pc.subscribe([topic]);
const run = pc.run();
// An example's end (a service runs until shutdown): stop once records came and then nothing new for a second.
let last = -1;
for (let waited = 0; (applied === 0 || last !== applied) && waited < 30; waited++) {
  last = applied;
  await new Promise((res) => setTimeout(res, 1000));
}
await pc.stop();
await run;
console.log(`applied ${applied}`);
await consumer.close();
await producer.close();
