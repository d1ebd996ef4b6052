/**
 * Three real broker processes (`samsa start`), each inside its own network namespace
 * (netns.ts), sharing an etcd that listens on the bridge in the root namespace. Each broker's
 * output goes to `<runDir>/broker-N.log` (appended across restarts) and its data to
 * `<runDir>/data-N`, so a failed run leaves everything needed to look into it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { SAMSA_BIN } from '../helpers/broker-process.js';
import { addressOf, cut, heal, inNamespace } from './netns.js';

export const BROKER_PORT = 9092;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

export class FaultBroker {
  private running: Running | null = null;
  private log: WriteStream;
  paused = false;
  isCut = false;

  constructor(
    readonly nodeId: number,
    private readonly runDir: string,
    private readonly metadata: string,
    private readonly settings: Record<string, string | number>,
  ) {
    this.log = createWriteStream(join(runDir, `broker-${nodeId}.log`), { flags: 'a' });
  }

  get dataDir(): string {
    return join(this.runDir, `data-${this.nodeId}`);
  }

  get address(): string {
    return `${addressOf(this.nodeId)}:${BROKER_PORT}`;
  }

  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  get alive(): boolean {
    return this.running !== null;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`broker ${this.nodeId} is running already`);
    mkdirSync(this.dataDir, { recursive: true });
    // The command file itself, as deployed: its #! line gives node the broker's launch settings.
    const argv = [SAMSA_BIN, 'start', '--broker-id', String(this.nodeId), '--listen', this.address, '--data', this.dataDir, '--metadata', this.metadata, '--log-level', 'info'];
    for (const [k, v] of Object.entries(this.settings)) argv.push('-o', `${k}=${v}`);
    // `ip netns exec` execs the command in place (no fork), and so does the #! line's env, so
    // the pid is the broker's own: SIGSTOP and SIGKILL reach the broker, not a wrapper.
    const child = spawn('ip', inNamespace(this.nodeId, argv), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.log.write(`\n==== ${new Date().toISOString()} start pid ${child.pid}\n`);
    let head = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${this.nodeId} did not say it listens within ${START_TIMEOUT_MS} ms: ${head.slice(-2000)}`)), START_TIMEOUT_MS);
      const onData = (d: Buffer): void => {
        this.log.write(d);
        if (head.length < 100_000) head += d.toString();
        if (/listening on /.test(head)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => onData(d));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`broker ${this.nodeId} exited (${code ?? signal}) before it listened: ${head.slice(-2000)}`));
      });
    });
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        this.log.write(`==== ${new Date().toISOString()} pid ${child.pid} exited ${code ?? signal}\n`);
        resolve();
      }),
    );
    this.running = { child, exited };
    ready.catch(() => undefined);
    try {
      await ready;
    } catch (e) {
      await this.kill();
      throw e;
    }
  }

  /** kill -9, as a crash; waits for the exit. A stopped process dies of SIGKILL too. */
  async kill(): Promise<void> {
    const r = this.running;
    if (!r) return;
    r.child.kill('SIGKILL');
    await r.exited;
    this.running = null;
    this.paused = false;
  }

  pause(): void {
    this.signal('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    this.signal('SIGCONT');
    this.paused = false;
  }

  async cutOff(): Promise<void> {
    await cut(this.nodeId);
    this.isCut = true;
  }

  async heal(): Promise<void> {
    await heal(this.nodeId);
    this.isCut = false;
  }

  /** SIGTERM (controlled shutdown, log markers) and wait; SIGKILL after STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    const r = this.running;
    if (!r) return;
    if (this.paused) this.resume();
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await r.exited;
    clearTimeout(timer);
    this.running = null;
  }

  async closeLog(): Promise<void> {
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  describe(): string {
    const state = !this.running ? 'down' : this.paused ? 'paused' : this.isCut ? 'cut off' : 'up';
    return `broker ${this.nodeId} ${this.address} pid ${this.pid ?? '-'} ${state}`;
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.running) throw new Error(`broker ${this.nodeId} is not running (${signal})`);
    this.running.child.kill(signal);
  }
}
