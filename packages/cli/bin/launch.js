// The environment and Node flags that samsa.js's first line (`#!/usr/bin/env -S -u VAR
// VAR=value node --flag`) runs the command with, for programs that start `samsa` as
// `node samsa.js` (benchmarks, tests): a shebang only applies when the file itself is executed.
import { readFileSync } from 'node:fs';

export const SAMSA_BIN = new URL('./samsa.js', import.meta.url);

/** @type {{ env: Record<string, string>, unset: string[], nodeArgs: string[] } | null} */
let cached = null;

/** @returns {{ env: Record<string, string>, unset: string[], nodeArgs: string[] }} */
export function launchOptions() {
  cached ??= readLaunchLine();
  return cached;
}

function readLaunchLine() {
  const first = readFileSync(SAMSA_BIN, 'utf8').split('\n', 1)[0];
  const words = first.replace(/^#!\S*env\s+-S\s+/, '').split(/\s+/).filter(Boolean);
  const env = {};
  const unset = [];
  let at = 0;
  for (; at < words.length && words[at] !== 'node'; at++) {
    if (words[at] === '-u') unset.push(words[++at]);
    else env[words[at].slice(0, words[at].indexOf('='))] = words[at].slice(words[at].indexOf('=') + 1);
  }
  if (at === words.length) throw new Error(`cannot read the launch settings from ${SAMSA_BIN.pathname}: its first line names no node: ${first}`);
  return { env, unset, nodeArgs: words.slice(at + 1) };
}

/** `base` as the command's first line changes it. */
export function launchEnv(base = process.env) {
  const { env, unset } = launchOptions();
  const out = { ...base, ...env };
  for (const name of unset) delete out[name];
  return out;
}
