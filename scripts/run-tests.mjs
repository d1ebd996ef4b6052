#!/usr/bin/env node
// Runs every compiled test file with node's test runner. Node 20's `--test` does not expand
// globs, so we find the files ourselves. Usage: node scripts/run-tests.mjs [path-filter...]
// The fault suite (test/fault/, `npm run test:fault`: root, network namespaces, minutes) runs
// only when a filter names it: `node scripts/run-tests.mjs fault/`.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['packages/protocol', 'packages/client', 'packages/broker', 'packages/testing', 'packages/cli', 'test']
  .map((p) => join(p, 'dist', 'test'))
  .filter((p) => existsSync(p));

function find(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...find(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const FAULT_SUITE = join('test', 'dist', 'test', 'fault') + '/';
const faultAsked = filters.some((x) => x.includes('fault/'));
const files = roots
  .flatMap(find)
  .filter((f) => faultAsked || !f.startsWith(FAULT_SUITE))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files found under ${roots.join(', ')} (did tsc -b run?)`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
