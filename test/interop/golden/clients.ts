/**
 * Drives real third-party clients (kcat/librdkafka, kafkajs, kafka-python) to produce a
 * known set of records to a broker address, each with a chosen compression codec.
 */
import { spawn } from 'node:child_process';
import kafkajsModule from 'kafkajs';

// kafkajs is CommonJS: its named exports are reached through the default export.
const { Kafka, logLevel, CompressionTypes, CompressionCodecs } = kafkajsModule;

export const TOPIC = 'golden';
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];
export type ClientName = 'kcat' | 'kafkajs' | 'kafka-python';

/** What every client is asked to produce: key, value (null allowed), one header. */
export const RECORDS: ReadonlyArray<{ key: string | null; value: string | null }> = [
  { key: 'k1', value: 'v1' },
  { key: 'k2', value: 'a longer value, repeated: ' + 'abc'.repeat(20) },
  { key: 'k3', value: null },
];
export const HEADER = { key: 'h1', value: 'x' };

function run(cmd: string, args: string[], input: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} exited with ${code ?? signal}: ${stderr.slice(-2000)}`));
    });
    child.stdin.end(input);
  });
}

async function kcat(port: number, codec: Codec): Promise<void> {
  // -Z turns an empty value into a null value: "k3:" is key k3, value null.
  const lines = RECORDS.map((r) => `${r.key ?? ''}:${r.value ?? ''}`).join('\n') + '\n';
  await run(
    'kcat',
    ['-P', '-b', `127.0.0.1:${port}`, '-t', TOPIC, '-p', '0', '-K', ':', '-Z', '-H', `${HEADER.key}=${HEADER.value}`,
      '-X', `compression.codec=${codec}`, '-X', 'linger.ms=50'],
    lines,
    20_000,
  );
}

const KAFKAJS_CODEC: Record<Codec, kafkajsModule.CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/**
 * kafkajs ships only gzip; its other codecs are plug-ins. Tests plug in the given
 * implementation: what is checked is kafkajs's own batch framing around the codec.
 */
export function registerKafkajsCodecs(impl: {
  compress: (codec: Codec, data: Buffer) => Promise<Buffer>;
  decompress: (codec: Codec, data: Buffer) => Promise<Buffer>;
}): void {
  for (const codec of ['snappy', 'lz4', 'zstd'] as const) {
    (CompressionCodecs as Record<number, unknown>)[KAFKAJS_CODEC[codec]] = () => ({
      compress: async (encoder: { buffer: Buffer }) => impl.compress(codec, encoder.buffer),
      decompress: async (buffer: Buffer) => impl.decompress(codec, buffer),
    });
  }
}

async function kafkajs(port: number, codec: Codec): Promise<void> {
  const kafka = new Kafka({ clientId: 'golden-kafkajs', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic: TOPIC,
      compression: KAFKAJS_CODEC[codec],
      messages: RECORDS.map((r) => ({
        partition: 0,
        key: r.key,
        value: r.value,
        headers: { [HEADER.key]: HEADER.value },
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

async function kafkaPython(port: number, codec: Codec): Promise<void> {
  const script = `
import json, sys
from kafka import KafkaProducer
codec = sys.argv[2]
p = KafkaProducer(bootstrap_servers=sys.argv[1], compression_type=None if codec == 'none' else codec,
                  linger_ms=50, request_timeout_ms=10000, api_version_auto_timeout_ms=10000)
records = json.loads(sys.argv[3])
for r in records:
    p.send('${TOPIC}', partition=0, key=None if r['key'] is None else r['key'].encode(),
           value=None if r['value'] is None else r['value'].encode(),
           headers=[('${HEADER.key}', b'${HEADER.value}')])
p.flush(10)
p.close(5)
`;
  // Debian's python3 sees python3-kafka; the python3 first on PATH may not.
  await run('/usr/bin/python3', ['-c', script, `127.0.0.1:${port}`, codec, JSON.stringify(RECORDS)], '', 30_000);
}

export const CLIENTS: Record<ClientName, (port: number, codec: Codec) => Promise<void>> = {
  kcat,
  kafkajs,
  'kafka-python': kafkaPython,
};
