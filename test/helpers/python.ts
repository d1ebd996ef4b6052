/**
 * Runs inline Python snippets for the Python Kafka clients (confluent-kafka, kafka-python).
 * Arguments go in as JSON on stdin (a 900 KB value does not fit in argv), results come back
 * as JSON lines on stdout: `emit({...})`. The last line is the result; earlier lines are
 * progress a test may wait for (`{"ready": true}` from a consumer positioned at the end).
 */
import { ChildRun } from './child-process.js';

/**
 * Debian's python3 has python3-confluent-kafka and python3-kafka installed; the python3
 * first on PATH may be another interpreter without them.
 */
export const PYTHON = '/usr/bin/python3';

/** Prepended to every snippet: ARGS (the stdin JSON), emit(), and str <-> bytes helpers. */
const PRELUDE = `
import json, sys, time
ARGS = json.load(sys.stdin)
def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\\n')
    sys.stdout.flush()
def enc(s):
    return None if s is None else s.encode('utf-8')
def dec(b):
    return None if b is None else b.decode('utf-8')
`;

function dedent(script: string): string {
  const lines = script.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

export function startPython(script: string, args: unknown, timeoutMs: number, what: string): ChildRun {
  return new ChildRun(PYTHON, ['-c', PRELUDE + dedent(script)], { input: JSON.stringify(args), timeoutMs, what });
}

/** Parses the last stdout line as JSON. */
export function lastJsonLine<T>(stdout: string, what: string): T {
  const lines = stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${what}: the last output line is not JSON: ${last.slice(0, 500)}`);
  }
}

/** Runs a snippet to completion and returns what it emitted last. */
export async function runPython<T>(script: string, args: unknown, timeoutMs: number, what: string): Promise<T> {
  const stdout = await startPython(script, args, timeoutMs, what).output();
  return lastJsonLine<T>(stdout, what);
}
