/**
 * close() releases every socket and timer: a process that produces (or runs admin calls) and closes exits by
 * itself. Run in a child process, so nothing of the test runner's keeps it alive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { startBrokerFor } from '../helpers/broker-process.js';
import { after } from 'node:test';
import { ChildRun, killChildren } from '../helpers/child-process.js';

after(killChildren);

const CLIENT = resolve(fileURLToPath(import.meta.url), '../../../../../packages/client/dist/src/index.js');

async function runScript(body: string, args: Record<string, unknown>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  // An unhandled rejection anywhere in the client ends the script with code 3.
  const guard = `process.on('unhandledRejection', (e) => { console.error('unhandled rejection:', e); process.exit(3); });`;
  const script = `import { Producer, Admin } from ${JSON.stringify(CLIENT)};\n${guard}\nconst ARGS = ${JSON.stringify(args)};\n${body}`;
  const started = Date.now();
  const r = await new ChildRun(process.execPath, ['--input-type=module', '-e', script], { timeoutMs: 20_000, what: 'producer script' }).finished;
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

test('a process that produces and then closes its producer exits by itself, with no unhandled rejection', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const r = await runScript(
    `
const p = new Producer({ 'bootstrap.servers': ARGS.bootstrap, 'metadata.max.age.ms': 60000 });
const mds = await Promise.all(Array.from({ length: 1000 }, (_, i) => p.send({ topic: 'close', value: String(i) })));
await p.close();
console.log(JSON.stringify({ last: mds[999].offset, resources: process.getActiveResourcesInfo().filter((x) => x !== 'TTYWrap') }));
`,
    { bootstrap: broker.current.bootstrap },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { last: number; resources: string[] };
  assert.equal(out.last, 999);
  assert.deepEqual(out.resources.filter((x) => x === 'TCPSocketWrap' || x === 'Timeout' || x === 'Immediate'), [], `no socket or timer left: ${out.resources}`);
});

test('close() with an unreachable broker fails waiting sends with CLOSED after its timeout and the process exits', { timeout: 60_000 }, async () => {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((res) => server.close(() => res())); // nobody listens there now
  const r = await runScript(
    `
const p = new Producer({ 'bootstrap.servers': '127.0.0.1:' + ARGS.port, 'max.block.ms': 60000, 'reconnect.backoff.ms': 20 });
const pending = p.send({ topic: 'nowhere', value: 'x' }).then(() => 'delivered', (e) => e.code);
await new Promise((r) => setTimeout(r, 200));
const t0 = Date.now();
await p.close(300);
console.log(JSON.stringify({ outcome: await pending, closeMs: Date.now() - t0 }));
`,
    { port },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { outcome: string; closeMs: number };
  assert.equal(out.outcome, 'CLOSED');
  assert.ok(out.closeMs >= 290 && out.closeMs < 3000, `close took ${out.closeMs} ms`);
  assert.ok(r.ms < 15_000);
});

test('a broker that dies under a producer: close() fails what is left, with no unhandled rejection, and the process exits', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const run = new ChildRun(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { Producer, Admin } from ${JSON.stringify(CLIENT)};
process.on('unhandledRejection', (e) => { console.error('unhandled rejection:', e); process.exit(3); });
const p = new Producer({ 'bootstrap.servers': ${JSON.stringify(broker.current.bootstrap)}, 'reconnect.backoff.ms': 20, 'retry.backoff.ms': 20 });
await Promise.all(Array.from({ length: 100 }, (_, i) => p.send({ topic: 'dies', value: String(i) })));
console.log('ready');
await new Promise((r) => setTimeout(r, 1500)); // the test kills the broker meanwhile
const later = Array.from({ length: 100 }, (_, i) => p.send({ topic: 'dies', value: 'late' + i }).then(() => 'ok', (e) => e.code));
await new Promise((r) => setTimeout(r, 300));
await p.close(300);
const codes = await Promise.all(later);
console.log(JSON.stringify({ codes: [...new Set(codes)] }));
`,
    ],
    { timeoutMs: 20_000, what: 'producer whose broker dies' },
  );
  await run.waitFor('stdout', /ready/, 15_000, 'the first records acknowledged');
  await broker.current.kill();
  const r = await run.finished;
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { codes: string[] };
  assert.ok(out.codes.every((c) => c === 'CLOSED'), `the records sent after the broker died failed with CLOSED: ${out.codes}`);
});

test('a process that runs admin calls (some failing) and closes its admin client exits by itself, with nothing left open', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const r = await runScript(
    `
const a = new Admin({ 'bootstrap.servers': ARGS.bootstrap });
await a.createTopics([{ topic: 'adm', numPartitions: 2 }]);
const [missing] = await a.describeTopics(['absent']);
await a.listConsumerGroupOffsets('some-group');
await a.describeCluster();
await a.close();
console.log(JSON.stringify({ missing: missing.error.type, resources: process.getActiveResourcesInfo().filter((x) => x !== 'TTYWrap') }));
`,
    { bootstrap: broker.current.bootstrap },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { missing: string; resources: string[] };
  assert.equal(out.missing, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.deepEqual(out.resources.filter((x) => x === 'TCPSocketWrap' || x === 'Timeout' || x === 'Immediate'), [], `no socket or timer left: ${out.resources}`);
});
