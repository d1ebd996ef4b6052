/**
 * Starts a real single-member etcd (Debian's etcd-server, /usr/bin/etcd) for one test file
 * or test: free 127.0.0.1 client and peer ports, a temporary data directory, a bounded wait
 * until it answers, and on the way out a kill -9 and the directory removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BIN = '/usr/bin/etcd';
const START_TIMEOUT_MS = 15_000;

export interface EtcdProcess {
  readonly pid: number;
  /** host:port of the client listener. */
  readonly endpoint: string;
  /** The broker's --metadata value for this etcd, with an optional key prefix. */
  url(prefix?: string): string;
  readonly output: () => string;
  /** SIGKILL, wait for the exit and remove the data directory. */
  stop(): Promise<void>;
  /** SIGKILL and start again on the same ports and data (a crash and recovery). */
  restart(): Promise<void>;
}

/** A port nothing listens on right now (the kernel's pick for port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `host`: the address etcd listens on, 127.0.0.1 unless a test gives another (the fault
 * test's brokers live in network namespaces and reach etcd over a bridge the test made).
 */
export async function startEtcd(options: { host?: string } = {}): Promise<EtcdProcess> {
  // Another process can take a port between freePort() and etcd's bind: try again then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEtcdOnce(options.host ?? '127.0.0.1');
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test((e as Error).message)) throw e;
    }
  }
}

async function startEtcdOnce(host: string): Promise<EtcdProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  let current: { child: ChildProcess; exited: Promise<void>; output: () => string } | null = null;
  const stop = async (): Promise<void> => {
    if (current) await killAndWait(current.child, current.exited);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    current = await spawnEtcd(host, dataDir, clientPort, peerPort);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    get pid() {
      return current!.child.pid!;
    },
    endpoint: `${host}:${clientPort}`,
    url: (prefix = '') => `etcd://${host}:${clientPort}${prefix}`,
    output: () => current!.output(),
    stop,
    async restart() {
      await killAndWait(current!.child, current!.exited);
      current = await spawnEtcd(host, dataDir, clientPort, peerPort);
    },
  };
}

async function spawnEtcd(host: string, dataDir: string, clientPort: number, peerPort: number): Promise<{ child: ChildProcess; exited: Promise<void>; output: () => string }> {
  const client = `http://${host}:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    ETCD_BIN,
    [
      '--name', 'samsa-test',
      '--data-dir', dataDir,
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `samsa-test=${peer}`,
      '--initial-cluster-state', 'new',
      '--logger', 'zap',
      '--log-level', 'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (e) => (out += `\ncannot run ${ETCD_BIN}: ${e.message}`));
  try {
    await waitHealthy(client, child, () => out);
  } catch (e) {
    await killAndWait(child, exited);
    throw e;
  }
  return { child, exited, output: () => out };
}

/** Starts etcd for one test (or file) and registers its end with `t.after`. */
export async function startEtcdFor(t: { after(fn: () => unknown): void }): Promise<EtcdProcess> {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  return etcd;
}

async function waitHealthy(client: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) throw new Error(`etcd exited before it answered:\n${output().slice(-3000)}`);
    try {
      const res = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`etcd did not answer on ${client}/health within ${START_TIMEOUT_MS} ms:\n${output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function killAndWait(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGKILL');
  await exited;
}
