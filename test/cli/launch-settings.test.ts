/**
 * `npm start` and an installed `samsa` execute packages/cli/bin/samsa.js itself, so the broker
 * gets its memory settings from the file's first line (docs/INTERNALS.md, "Memory settings of
 * the broker process"). Without them 1 KiB-record throughput falls to a third after the first
 * seconds; this checks that the running broker really has them, and that launch.js (which
 * bench/ and test/ use to start `node samsa.js`) reads the same ones.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { ChildRun, killChildren } from '../helpers/child-process.js';
import { launch, makeDataDir, removeDir, SAMSA_BIN } from '../helpers/broker-process.js';

after(killChildren);

test('executing the samsa command starts a broker with its memory settings, the ones launch.js reports', async (t) => {
  const dataDir = await makeDataDir();
  t.after(() => removeDir(dataDir));
  const env = { ...process.env };
  delete env.GLIBC_TUNABLES;
  // Set here whatever the machine has: the command drops it (Node would parse the file at start).
  env.NODE_EXTRA_CA_CERTS = '/etc/ssl/certs/ca-certificates.crt';
  const run = new ChildRun(SAMSA_BIN, ['start', '--listen', '127.0.0.1:0', '--data', dataDir, '--log-level', 'warn'], { timeoutMs: 30_000, what: 'samsa start executed directly', env });
  await run.waitFor('stdout', /listening on /, 20_000, 'the listening line');
  const pid = run.child.pid!;
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  run.child.kill('SIGTERM');
  const exit = await run.finished;
  assert.equal(exit.code, 0, run.describe());

  assert.deepEqual(launch.nodeArgs, ['--max-semi-space-size=4']);
  assert.match(launch.env.GLIBC_TUNABLES ?? '', /glibc\.malloc\.trim_threshold=\d+/);
  assert.match(argv[0]!, /node$/, `the broker runs under node: ${argv.join(' ')}`);
  for (const flag of launch.nodeArgs) assert.ok(argv.includes(flag), `node runs with ${flag}: ${argv.join(' ')}`);
  // glibc parses GLIBC_TUNABLES in place and ends the string after the first tunable's value,
  // so /proc shows a prefix of what env set (both apply: an strace showed 1 MiB Buffers no
  // longer mmapped one by one).
  assert.deepEqual(launch.unset, ['NODE_EXTRA_CA_CERTS']);
  for (const name of launch.unset) assert.ok(!environ.some((e) => e.startsWith(`${name}=`)), `the broker's environment has no ${name}`);
  for (const [name, value] of Object.entries(launch.env)) {
    const seen = environ.find((e) => e.startsWith(`${name}=`));
    assert.ok(seen && value.startsWith(seen.slice(name.length + 1)) && seen.length > name.length + 1, `the broker's environment has ${name}=${value} (seen: ${seen})`);
  }
});
