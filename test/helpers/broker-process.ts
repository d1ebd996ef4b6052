/**
 * Starts the real broker as a separate process (`samsa start`) on an ephemeral port with a
 * fresh data directory, and stops it (or kills it with -9) on demand. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');
export const SAMSA_BIN = join(REPO, 'packages/cli/bin/samsa.js');
/** The environment and Node flags the `samsa` command runs with (its first line). */
const launchModule = (await import(pathToFileURL(join(REPO, 'packages/cli/bin/launch.js')).href)) as typeof import('../../packages/cli/bin/launch.js');
export const launch = launchModule.launchOptions();

export interface BrokerProcess {
  /** The broker's process id (for SIGSTOP/SIGCONT of this process only). */
  readonly pid: number;
  readonly port: number;
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly output: () => string;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  port?: number;
  overrides?: Record<string, string | number | boolean>;
  /** `--metadata`: embedded (the default) or an etcd:// address. */
  metadata?: string;
  timeoutMs?: number;
  /** `--log-level`; warn by default, info to see the broker's lifecycle lines. */
  logLevel?: string;
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'samsa-data-'));
}

export async function startBroker(options: StartOptions = {}): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? (await makeDataDir());
  const args = [SAMSA_BIN, 'start', '--listen', `127.0.0.1:${options.port ?? 0}`, '--data', dataDir, '--log-level', options.logLevel ?? 'warn'];
  for (const [k, v] of Object.entries(options.overrides ?? {})) args.push('-o', `${k}=${v}`);
  if (options.metadata !== undefined) args.push('--metadata', options.metadata);
  const child = spawn(process.execPath, [...launch.nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: launchModule.launchEnv() });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`broker did not start within ${options.timeoutMs ?? 15_000} ms:\n${out}`)), options.timeoutMs ?? 15_000);
    const check = (): void => {
      const m = /listening on [^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`broker exited with ${code} before it was ready:\n${out}`));
    });
  });
  return {
    pid: child.pid!,
    port,
    bootstrap: `127.0.0.1:${port}`,
    dataDir,
    output: () => out,
    stop: () => stopChild(child, exited, 'SIGTERM', 15_000),
    kill: async () => {
      await stopChild(child, exited, 'SIGKILL', 5_000);
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Waits until the broker's output matches `pattern` (log lines arrive through a pipe, a little after the fact). */
export async function waitForOutput(broker: BrokerProcess, pattern: RegExp, timeoutMs = 5_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(broker.output());
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`the broker did not log ${pattern} within ${timeoutMs} ms; its output:\n${broker.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface TestBroker {
  /** The broker process running now. */
  readonly current: BrokerProcess;
  /** Stops it cleanly (SIGTERM) and starts it again on the same port and data directory. */
  restart(): Promise<BrokerProcess>;
}

/**
 * Starts a broker for one test and registers its end with `t.after`: whichever process is
 * running then is killed (-9) and the data directory removed.
 */
export async function startBrokerFor(t: { after(fn: () => unknown): void }, options: StartOptions = {}): Promise<TestBroker> {
  const dataDir = options.dataDir ?? (await makeDataDir());
  let current: BrokerProcess | null = null;
  t.after(async () => {
    await current?.kill();
    await removeDir(dataDir);
  });
  current = await startBroker({ ...options, dataDir });
  return {
    get current() {
      return current!;
    },
    async restart() {
      const port = current!.port;
      await current!.stop();
      current = await startBroker({ ...options, dataDir, port });
      return current;
    },
  };
}
