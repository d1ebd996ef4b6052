/**
 * Starts a real PostgreSQL (Debian's postgresql) for one test file or test: initdb into a
 * temporary directory, the server on a free 127.0.0.1 port with its socket in that
 * directory, trust authentication for user "postgres", a bounded wait until it accepts a
 * query, and on the way out a kill -9 and the directory removed.
 *
 * initdb and postgres refuse to run as root: when the tests run as root, both run as the
 * "postgres" system user the Debian package creates, and the directory is given to it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, readdirSync, rm } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './etcd-process.js';
import pg from 'pg';

const START_TIMEOUT_MS = 30_000;

/** The newest /usr/lib/postgresql/<version>/bin, or null when postgresql is not installed. */
export function postgresBinDir(): string | null {
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    return versions.length ? `/usr/lib/postgresql/${versions[0]}/bin` : null;
  } catch {
    return null;
  }
}

export interface PostgresProcess {
  readonly port: number;
  /** A pg connection config for the "postgres" database. */
  readonly connection: { host: string; port: number; user: string; database: string };
  stop(): Promise<void>;
}

function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('running as root and there is no "postgres" user to run PostgreSQL as');
  return { uid, gid };
}

export async function startPostgresFor(t: { after(fn: () => unknown): void }): Promise<PostgresProcess> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const user = runAs();
  const dir = await promisify(mkdtemp)(join(tmpdir(), 'samsa-pg-'));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const stop = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    await promisify(rm)(dir, { recursive: true, force: true });
  };
  t.after(stop);
  if (user) await promisify(chown)(dir, user.uid, user.gid);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const data = join(dir, 'data');
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], { ...asUser, encoding: 'utf8', timeout: START_TIMEOUT_MS });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status ?? init.signal}):\n${init.stdout}\n${init.stderr}`);
  const port = await freePort();
  child = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off'], { ...asUser, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const started = child;
  exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
  const connection = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const c = new pg.Client({ ...connection, connectionTimeoutMillis: 1_000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      break;
    } catch {
      await c.end().catch(() => undefined);
    }
    if (started.exitCode !== null || Date.now() > deadline) throw new Error(`postgres did not accept a query on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, connection, stop };
}
