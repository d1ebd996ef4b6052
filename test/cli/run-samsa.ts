/**
 * Runs the `samsa` command as a user does (node packages/cli/bin/samsa.js ...), always with
 * a deadline, and checks the shape every error must have: one line on stderr, prefixed
 * "samsa: ", with the documented exit code.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { SAMSA_BIN } from '../helpers/broker-process.js';
import { ChildRun, type RunResult } from '../helpers/child-process.js';

export interface SamsaRun extends RunResult {
  /** stdout parsed as one JSON document (for --json runs). */
  json<T = any>(): T;
}

export async function samsa(args: readonly string[], options: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<SamsaRun> {
  const env = { ...process.env, NO_COLOR: '', SAMSA_BOOTSTRAP: '', ...options.env };
  const run = new ChildRun(process.execPath, [SAMSA_BIN, ...args], { input: options.input, timeoutMs: options.timeoutMs ?? 30_000, what: `samsa ${args.join(' ')}`, env });
  const r = await run.finished;
  return {
    ...r,
    json<T>(): T {
      try {
        return JSON.parse(r.stdout) as T;
      } catch (e) {
        throw new Error(`samsa ${args.join(' ')}: stdout is not one JSON document (${(e as Error).message}):\n${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(-2000)}`);
      }
    },
  };
}

/** Runs and requires exit 0, returning the run. */
export async function samsaOk(args: readonly string[], options: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<SamsaRun> {
  const r = await samsa(args, options);
  assert.equal(r.code, 0, `samsa ${args.join(' ')} exited with ${r.code}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`);
  return r;
}

/** Requires exit `code`, nothing on stdout, and exactly one "samsa: ..." line on stderr matching `pattern`. */
export function assertOneLineError(r: SamsaRun, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code ${r.code}, expected ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^samsa: /);
  assert.match(lines[0]!, pattern);
}

/** A port on 127.0.0.1 nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
