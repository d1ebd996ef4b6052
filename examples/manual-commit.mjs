// Manual commit after processing: the reliable default for a plain consumer. Offsets are
// committed only for records whose processing finished, so a crash replays (at-least-once)
// and never skips. With --crash-after N the process kills itself (SIGKILL) after N records.
// Usage: node examples/manual-commit.mjs <bootstrap> <topic> <group> [--crash-after N]
import { Consumer } from '@samsa/client';

const [bootstrap, topic, group, flag, n] = process.argv.slice(2);
const crashAfter = flag === '--crash-after' ? Number(n) : Infinity;
// session.timeout.ms below Kafka's 45 s default: a member that crashed is replaced sooner.
const consumer = new Consumer({ 'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': false, 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 100, 'session.timeout.ms': 10000, 'heartbeat.interval.ms': 1000 });
consumer.subscribe([topic], {
  // Before partitions move, commit what was processed (commitSync() commits every position
  // poll() returned; here that is exactly what was processed, since each poll is finished first).
  onPartitionsRevoked: async () => consumer.commitSync(),
});

let processed = 0;
let idle = 0;
while (idle < 10) {
  const records = await consumer.poll(200);
  // Done after 2 s with partitions and nothing new (an example's end; a service polls forever).
  idle = records.length === 0 && consumer.assignment().length > 0 ? idle + 1 : 0;
  for (const r of records) {
    await process1(r); // the effect
    processed++;
    if (processed >= crashAfter) process.kill(process.pid, 'SIGKILL');
    // Commit the next offset to read, after the effect: never ahead of it.
    await consumer.commitSync([{ topic: r.topic, partition: r.partition, offset: r.offset + 1 }]);
  }
}
console.log(`processed ${processed}`);
await consumer.close();

async function process1(r) {
  await new Promise((res) => setTimeout(res, 1));
  console.log(`handled ${r.partition} ${r.offset}`);
}
