// The environment and Node flags that samsa.js's first line (`#!/usr/bin/env -S VAR=value
// node --flag`) runs the command with, for programs that start `samsa` as `node samsa.js`
// (benchmarks, tests): a shebang only applies when the file itself is executed.
import { readFileSync } from 'node:fs';

export const SAMSA_BIN = new URL('./samsa.js', import.meta.url);

/** @returns {{ env: Record<string, string>, nodeArgs: string[] }} */
export function launchOptions() {
  const first = readFileSync(SAMSA_BIN, 'utf8').split('\n', 1)[0];
  const words = first.replace(/^#!\S*env\s+-S\s+/, '').split(/\s+/).filter(Boolean);
  const node = words.indexOf('node');
  if (node < 0) throw new Error(`cannot read the launch settings from ${SAMSA_BIN.pathname}: its first line names no node: ${first}`);
  const env = Object.fromEntries(words.slice(0, node).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, nodeArgs: words.slice(node + 1) };
}
