/**
 * Hostile bytes (STYLE habit 2): for every message at every version, truncations, byte
 * flips and random frames make the decoder either succeed or throw a SamsaError: never
 * another exception, never a hang. Seeded, so a failure replays (SAMSA_SEED).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { SamsaError } from '../../src/errors/samsa-error.js';
import { apis } from '../../src/generated/apis.js';
import { readRequestHeader } from '../../src/headers.js';
import { messages, structArbitrary, versionsOf } from './schema-arbitrary.js';

const seed = Number(process.env.SAMSA_SEED ?? 4242);

function decodeOrTypedError(decode: () => unknown, what: string): void {
  const started = performance.now();
  try {
    decode();
  } catch (e) {
    if (!(e instanceof SamsaError)) throw new Error(`${what}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
  assert.ok(performance.now() - started < 1000, `${what}: decoding took over a second`);
}

for (const m of messages().filter((x) => x.apiKey !== null)) {
  const api = apis.get(m.apiKey!)!;
  const decode = m.type === 'request' ? api.decodeRequest : api.decodeResponse;
  const encode = m.type === 'request' ? api.encodeRequest : api.encodeResponse;
  test(`${m.name}: truncated and mangled frames decode or throw SamsaError`, () => {
    for (const v of versionsOf(m)) {
      fc.assert(
        fc.property(structArbitrary(m, m.fields, v), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (value, cutAt, flipAt, flip) => {
          const w = new Writer(16);
          encode(w, v, value as never);
          const bytes = w.finish();
          const cut = bytes.subarray(0, bytes.length === 0 ? 0 : cutAt % bytes.length);
          decodeOrTypedError(() => decode(new Reader(cut), v), `${m.name} v${v} truncated at ${cut.length}`);
          if (bytes.length > 0) {
            const mangled = Buffer.from(bytes);
            mangled[flipAt % mangled.length]! ^= flip || 0xff;
            decodeOrTypedError(() => decode(new Reader(mangled), v), `${m.name} v${v} flipped at ${flipAt % mangled.length}`);
          }
        }),
        { numRuns: 8, seed },
      );
    }
  });
}

test('random frames through header and body decoding throw only SamsaError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
      decodeOrTypedError(() => {
        const r = new Reader(Buffer.from(raw));
        const h = readRequestHeader(r);
        const api = apis.get(h.requestApiKey);
        if (api && h.requestApiVersion >= api.minVersion && h.requestApiVersion <= api.maxVersion) api.decodeRequest(r, h.requestApiVersion);
      }, 'random frame');
    }),
    { numRuns: 3000, seed },
  );
});

test('a huge array count or length in a tiny frame is refused before allocating', () => {
  // Metadata v1 request: topics array claiming 2^31-1 entries, in 4 bytes.
  const metadata = apis.get(3)!;
  const frame = Buffer.from([0x7f, 0xff, 0xff, 0xff]);
  assert.throws(() => metadata.decodeRequest(new Reader(frame), 1), (e: unknown) => e instanceof SamsaError && e.code === 'DECODE_INVALID');
  // Produce v3: transactionalId null, acks, timeout, one topic whose name claims 32767 bytes.
  const produce = apis.get(0)!;
  const p = Buffer.from([0xff, 0xff, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0xff]);
  assert.throws(() => produce.decodeRequest(new Reader(p), 3), (e: unknown) => e instanceof SamsaError && e.code === 'DECODE_TRUNCATED');
  // A compact (flexible) array count of 2^32-2 in five bytes.
  const flexible = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.throws(() => metadata.decodeRequest(new Reader(flexible), 9), (e: unknown) => e instanceof SamsaError);
});
