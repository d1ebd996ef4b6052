/**
 * Starts a real redis-server (Debian's redis-server) for one test file or test: a free
 * 127.0.0.1 port, a temporary directory, no persistence, a bounded wait until it answers
 * PING, and on the way out a kill -9 and the directory removed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './etcd-process.js';

export const REDIS_BIN = '/usr/bin/redis-server';
const START_TIMEOUT_MS = 15_000;

export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

export async function startRedisFor(t: { after(fn: () => unknown): void }): Promise<RedisProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-redis-'));
  const port = await freePort();
  const child = spawn(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  child.once('error', (e) => (out += `\ncannot run ${REDIS_BIN}: ${e.message}`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  t.after(stop);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d: Buffer) => done(d.toString().startsWith('+PONG')));
  });
}
