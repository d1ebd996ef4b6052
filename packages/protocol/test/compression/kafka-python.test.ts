/**
 * Our codecs against kafka-python's (Debian's python3-kafka, with python3-snappy, -lz4 and
 * -zstandard): what we compress it decompresses, and the reverse. kafka-python writes
 * xerial snappy and LZ4 frames as the Java client does, so this checks framing made by code
 * we did not write. Skipped where those packages are not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { compressSync, CompressionType, decompressSync } from '../../src/compression/index.js';

const PYTHON = '/usr/bin/python3';

// Reads "codec direction hex" lines; "encode" compresses with kafka-python, "decode" decompresses.
const SCRIPT = `
import sys
from kafka import codec
enc = {'gzip': codec.gzip_encode, 'snappy': lambda b: codec.snappy_encode(b, xerial_compatible=True), 'lz4': codec.lz4_encode, 'zstd': codec.zstd_encode}
dec = {'gzip': codec.gzip_decode, 'snappy': codec.snappy_decode, 'lz4': codec.lz4_decode, 'zstd': codec.zstd_decode}
for line in sys.stdin.read().splitlines():
    name, direction, payload = line.split(' ')
    data = bytes.fromhex(payload)
    print((enc if direction == 'encode' else dec)[name](data).hex())
`;

function available(): boolean {
  if (!existsSync(PYTHON)) return false;
  const probe = 'from kafka import codec; assert codec.has_snappy() and codec.has_lz4() and codec.has_zstd()';
  return spawnSync(PYTHON, ['-c', probe], { stdio: 'ignore' }).status === 0;
}

function python(lines: string[]): Buffer[] {
  const run = spawnSync(PYTHON, ['-c', SCRIPT], { input: lines.join('\n'), encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\n').slice(0, -1).map((h) => Buffer.from(h, 'hex')); // an empty output is an empty line
}

const SAMPLES = [
  Buffer.alloc(0),
  Buffer.from('one small record'),
  Buffer.from('{"orderId":17,"status":"shipped","items":[1,2,3]}\n'.repeat(3000)), // > 64 KiB: several xerial chunks and lz4 blocks
  Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7919) & 0xff)),
];

const CODECS: [string, CompressionType][] = [
  ['gzip', CompressionType.gzip],
  ['snappy', CompressionType.snappy],
  ['lz4', CompressionType.lz4],
  ['zstd', CompressionType.zstd],
];

// npm test's pretest installs the Python packages; their absence is a setup failure, not a skip.
test('kafka-python decompresses what we compress, and we decompress what it compresses', () => {
  assert.ok(available(), 'python3-kafka with its codecs is not installed: run node scripts/check-system-tools.mjs');
  const lines: string[] = [];
  for (const [name, type] of CODECS) {
    for (const sample of SAMPLES) {
      if (name === 'zstd' && sample.length === 0) continue; // kafka-python's zstd_decode refuses empty frames
      lines.push(`${name} decode ${compressSync(type, sample).toString('hex')}`);
      lines.push(`${name} encode ${sample.toString('hex')}`);
    }
  }
  const out = python(lines);
  let i = 0;
  for (const [name, type] of CODECS) {
    for (const sample of SAMPLES) {
      if (name === 'zstd' && sample.length === 0) continue;
      assert.deepEqual(out[i++], sample, `kafka-python ${name} decoding ours (${sample.length} bytes)`);
      assert.deepEqual(decompressSync(type, out[i++]!), sample, `our ${name} decoding kafka-python's (${sample.length} bytes)`);
    }
  }
});
