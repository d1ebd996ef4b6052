// What auto commit plus an in-memory buffer loses: poll() hands records to a buffer that a
// slow worker drains, and auto commit commits every position poll() returned, whether the
// worker got to it or not. A crash then loses whatever sat in the buffer: the group's
// committed offset is already past it, so no consumer of the group ever sees it again.
// This script crashes itself (SIGKILL) once the commit has passed unprocessed records.
// Usage: node examples/auto-commit-buffer-loss.mjs <bootstrap> <topic> <group>
import { Consumer } from '@samsa/client';

const [bootstrap, topic, group] = process.argv.slice(2);
const consumer = new Consumer({ 'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest', 'auto.commit.interval.ms': 100, 'fetch.max.wait.ms': 100 });
consumer.subscribe([topic]);

const buffer = [];
let processed = 0;
// The slow worker: one record every 20 ms.
const worker = setInterval(() => {
  const r = buffer.shift();
  if (r) {
    processed++;
    console.log(`handled ${r.partition} ${r.offset}`);
  }
}, 20);

for (;;) {
  buffer.push(...(await consumer.poll(100))); // auto commit runs inside poll()
  const tps = consumer.assignment();
  if (tps.length === 0) continue;
  const committed = (await consumer.committed(tps)).reduce((n, c) => n + (c?.offset ?? 0), 0);
  if (buffer.length > 0 && committed > processed) {
    clearInterval(worker);
    console.log(`crash: committed ${committed}, processed ${processed}, in the buffer ${buffer.length}`);
    process.kill(process.pid, 'SIGKILL');
  }
}
