/**
 * Native addons (CRC-32C and the compression codecs) loaded on first use rather than at
 * import. Each costs 10-60 ms to load; loading them all up front was a fifth of the broker's
 * startup time, and most processes need one or none. They are CommonJS, so `require` loads
 * them synchronously at the first call, keeping every caller synchronous.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyNative<T>(id: string): () => T {
  let loaded: T | null = null;
  return () => (loaded ??= require(id) as T);
}
