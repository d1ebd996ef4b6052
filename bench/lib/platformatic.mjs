/**
 * Loads @platformatic/kafka in a bench worker. Its 2.x releases declare Node >= 22 but, on
 * Node 20, only miss `Promise.withResolvers` (Node 22's); the polyfill is installed here, in
 * the worker process that uses platformatic and nowhere else, so our own code never runs
 * with it. Its zstd needs Node's zlib zstd (Node >= 22.15): the benches send uncompressed.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function loadPlatformatic() {
  if (typeof Promise.withResolvers !== 'function') {
    Promise.withResolvers = function withResolvers() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    };
  }
  // Resolved from the repository root: the benches are not a workspace package.
  const entry = createRequire(join(ROOT, 'package.json')).resolve('@platformatic/kafka');
  return import(entry);
}
