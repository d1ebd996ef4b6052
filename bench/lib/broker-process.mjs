/**
 * `samsa start` as a child process for benches: a free port, a temp data dir, the time from
 * spawn to the "listening" line, and the broker's memory and CPU read from /proc. Every
 * process and dir made here is registered, and cleanupAll() (also run on exit and on
 * SIGINT/SIGTERM) kills what is still running, by pid, and removes the dirs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchEnv, launchOptions } from '../../packages/cli/bin/launch.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMSA = join(ROOT, 'packages', 'cli', 'bin', 'samsa.js');
/** The environment and Node flags the `samsa` command runs with (its first line). */
const LAUNCH = launchOptions();
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 20_000;

const liveChildren = new Set();
const tempDirs = new Set();

export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Registers a child process (a broker or a client) so cleanupAll() kills it. */
export function track(child) {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  return child;
}

export function cleanupAll() {
  for (const child of liveChildren) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

process.once('exit', cleanupAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanupAll();
    process.exit(130);
  });
}

/** A port nobody listens on right now (the kernel's choice), for --listen. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const CLOCK_TICKS_PER_SECOND = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(r.stdout?.trim()) || 100;
})();

/** VmRSS and VmHWM of a process, in bytes (null once it is gone). */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** User + system CPU seconds a process has used so far (all its threads). */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND; // utime, stime
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of a process split by thread: the main thread (the event loop, where all of
 * the broker's JavaScript runs) and the rest (libuv's pool doing file I/O, V8's GC helpers;
 * Node 20 names them all "node", so they are not told apart), each as user and system.
 */
export function threadCpuOf(pid) {
  const out = { mainUser: 0, mainSystem: 0, otherUser: 0, otherSystem: 0 };
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const user = Number(fields[11]) / CLOCK_TICKS_PER_SECOND;
      const system = Number(fields[12]) / CLOCK_TICKS_PER_SECOND;
      if (Number(tid) === pid) {
        out.mainUser += user;
        out.mainSystem += system;
      } else {
        out.otherUser += user;
        out.otherSystem += system;
      }
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** CPU seconds all cores have spent busy since boot (everything but idle and iowait). */
export function machineBusySeconds() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
}

/** Samples a process's RSS every `intervalMs`; stop() returns the peak seen. */
export function sampleRss(pid, intervalMs = 50) {
  let peak = 0;
  const take = () => {
    const m = memoryOf(pid);
    if (m && m.rssBytes > peak) peak = m.rssBytes;
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/**
 * Starts `samsa start` and resolves once it printed its "listening" line.
 * @param {{ dataDir: string, overrides?: string[], nodeArgs?: string[] }} opts
 *   overrides are broker settings, name=value (passed as -o); nodeArgs go to node (--cpu-prof).
 */
export async function startBroker({ dataDir, overrides = [], nodeArgs = [] }) {
  const port = await freePort();
  const args = [...nodeArgs, SAMSA, 'start', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--log-level', 'warn'];
  for (const o of overrides) args.push('-o', o);
  return spawnUntilListening(args, port);
}

/** bench/lib/null-broker.mjs: the same interface, answering Produce without doing anything. */
export async function startNullBroker() {
  const port = await freePort();
  return spawnUntilListening([join(ROOT, 'bench', 'lib', 'null-broker.mjs'), String(port)], port);
}

/** Both brokers run with the command's launch settings, so the floor compares like with like. */
async function spawnUntilListening(args, port) {
  const t0 = performance.now();
  const child = track(spawn(process.execPath, [...LAUNCH.nodeArgs, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: launchEnv() }));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => {
    stderr += s;
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const readyMs = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not print its listening line within ${READY_TIMEOUT_MS} ms; stderr: ${stderr}`)), READY_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s) => {
      stdout += s;
      if (/listening on /.test(stdout)) {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before listening; stderr: ${stderr}`));
    });
  });
  child.stdout.resume();
  return {
    child,
    pid: child.pid,
    port,
    readyMs,
    /** What the broker wrote to stderr (warnings and errors at --log-level warn). */
    get stderr() {
      return stderr;
    },
    /** SIGTERM (a clean stop), SIGKILL after the deadline; resolves with how it ended. */
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode, stopMs: 0 });
        const t = performance.now();
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stopMs: performance.now() - t });
        });
        child.kill('SIGTERM');
      });
    },
  };
}

/**
 * Runs a load process to its end: resolves with its stdout and peak RSS, rejects with the
 * tail of its stderr when it fails or outlives `timeoutMs` (then it is killed).
 */
export function runToEnd(command, args, timeoutMs, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env }));
    const rss = sampleRss(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const peakRssBytes = rss.stop();
      if (code === 0) resolve({ stdout, peakRssBytes });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}: ${stderr.slice(-2000)}`));
    });
  });
}

/** Runs a `samsa` command as the installed command runs (its launch settings) to its end. */
export function runSamsa(args, timeoutMs, nodeArgs = []) {
  return runToEnd(process.execPath, [...LAUNCH.nodeArgs, ...nodeArgs, SAMSA, ...args], timeoutMs, launchEnv());
}
