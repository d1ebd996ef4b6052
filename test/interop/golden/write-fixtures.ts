/**
 * Captures what kcat, kafkajs and kafka-python send and stores it as the golden fixtures
 * that packages/protocol's decoders must read exactly:
 *   npm run build && node test/dist/test/interop/golden/write-fixtures.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compress, decompress, parseCompressionType } from '@samsa/protocol';
import { capture, type GoldenFile } from './capture.js';
import { CLIENTS, CODECS, HEADER, RECORDS, TOPIC, registerKafkajsCodecs, type ClientName } from './clients.js';

const out = join(process.cwd(), 'packages/protocol/test/fixtures/golden');
registerKafkajsCodecs({
  compress: (codec, data) => compress(parseCompressionType(codec), data),
  decompress: (codec, data) => decompress(parseCompressionType(codec), data),
});
for (const client of Object.keys(CLIENTS) as ClientName[]) {
  for (const codec of CODECS) {
    const requests = await capture(client, codec);
    const file: GoldenFile = {
      client,
      codec,
      expect: { topic: TOPIC, records: RECORDS, header: HEADER },
      requests: requests.map((r) => ({ apiKey: r.apiKey, apiVersion: r.apiVersion, frame: r.frame.toString('hex') })),
    };
    mkdirSync(join(out, client), { recursive: true });
    writeFileSync(join(out, client, `${codec}.json`), JSON.stringify(file, null, 1) + '\n');
    console.log(`${client} ${codec}: ${requests.map((r) => `${r.apiKey}v${r.apiVersion}`).join(' ')}`);
  }
}
