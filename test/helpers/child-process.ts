/**
 * Spawns third-party client processes for interop tests, always with a deadline. Every child
 * is remembered until it exits, so a test file's `after` hook can kill whatever a failed or
 * timed-out test left running (`killChildren`).
 */
import { spawn, type ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();

/** SIGKILLs every child still running. Register it with `after` in each test file. */
export function killChildren(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** Written to stdin, which is then closed. */
  input?: string;
  /** The process is killed with SIGKILL when it runs longer. */
  timeoutMs: number;
  /** Says what the process was doing, for error messages. */
  what: string;
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * A running child whose stdout and stderr are collected, and whose lines can be awaited
 * while it runs (a consumer saying it is positioned, before the test produces).
 */
export class ChildRun {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly finished: Promise<RunResult>;
  private timedOut = false;
  private readonly listeners = new Set<() => void>();

  constructor(cmd: string, args: readonly string[], readonly options: SpawnOptions) {
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    live.add(this.child);
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.notify();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.notify();
    });
    const timer = setTimeout(() => {
      this.timedOut = true;
      this.child.kill('SIGKILL');
    }, options.timeoutMs);
    this.finished = new Promise<RunResult>((resolve, reject) => {
      this.child.once('error', (e) => {
        clearTimeout(timer);
        live.delete(this.child);
        reject(new Error(`${options.what}: cannot run ${cmd}: ${e.message}`));
      });
      this.child.once('close', (code, signal) => {
        clearTimeout(timer);
        live.delete(this.child);
        this.notify();
        if (this.timedOut) reject(new Error(`${options.what}: killed after ${options.timeoutMs} ms\n${this.describe()}`));
        else resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
    // A child that exits before reading its stdin makes the write fail with EPIPE: the exit
    // code says what happened, so the write error is not interesting.
    this.child.stdin!.on('error', () => {});
    this.child.stdin!.end(options.input ?? '');
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** The last output, for error messages. */
  describe(): string {
    return `stdout: ${this.stdout.slice(-1500)}\nstderr: ${this.stderr.slice(-3000)}`;
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Resolves with the first match of `pattern` in the stream, failing after `timeoutMs` or when the process exits first. */
  async waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(stream === 'stdout' ? this.stdout : this.stderr);
        if (m) done(() => resolve(m));
        else if (this.exited) done(() => reject(new Error(`${this.options.what}: exited before ${what}\n${this.describe()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${this.options.what}: no ${what} within ${timeoutMs} ms\n${this.describe()}`))), timeoutMs);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Waits for the exit and returns stdout; a non-zero exit is an error carrying stderr. */
  async output(): Promise<string> {
    const r = await this.finished;
    if (r.code !== 0) throw new Error(`${this.options.what}: exited with ${r.code ?? r.signal}\n${this.describe()}`);
    return r.stdout;
  }
}

/** Runs a command to completion and returns its stdout; a non-zero exit or the timeout is an error. */
export async function runCommand(cmd: string, args: readonly string[], options: SpawnOptions): Promise<string> {
  return new ChildRun(cmd, args, options).output();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
