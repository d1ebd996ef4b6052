/**
 * kcat 1.7 (librdkafka 2.0.2) as a ClientDriver. kcat has no admin API: topics are created
 * by the broker on the first produce (auto.create.topics.enable), and cannot be deleted.
 * It also cannot vary headers within one run, so a produce call whose records carry
 * different headers runs kcat once per run of equal headers.
 */
import assert from 'node:assert/strict';
import { kcatConsume, kcatMetadata, kcatProduce, kcatQueryOffset, parseKcatMessages, startKcatConsumer, type KcatMessage } from '../../helpers/kcat.js';
import { CLIENT_TIMEOUT_MS, type ClientDriver, type ConsumedRecord, type StartAt, type TestRecord } from './driver.js';
import { LIBRDKAFKA_SENDS_UNCOMPRESSED } from './librdkafka.js';

function toRecord(m: KcatMessage): ConsumedRecord {
  const flat = m.headers ?? [];
  const headers: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) headers.push([flat[i]!, flat[i + 1]!]);
  return { offset: m.offset, timestamp: m.ts, key: m.key, value: m.payload, headers };
}

function toLine(r: TestRecord): string {
  // With -Z an empty key or value goes out as null, so empty strings cannot be sent.
  if (r.key === '' || r.value === '') throw new Error('kcat cannot send an empty (non-null) key or value');
  if (r.key?.includes(':')) throw new Error(`kcat splits key and value at ':'; key ${r.key} has one`);
  return `${r.key ?? ''}:${r.value ?? ''}`;
}

function sameHeaders(a: TestRecord, b: TestRecord): boolean {
  return JSON.stringify(a.headers) === JSON.stringify(b.headers);
}

function startArg(start: StartAt): string {
  switch (start.kind) {
    case 'beginning':
      return 'beginning';
    case 'offset':
      return String(start.offset);
    case 'timestamp':
      return `s@${start.timestampMs}`;
  }
}

export function kcatDriver(bootstrap: string): ClientDriver {
  return {
    name: 'kcat',
    creates: 'auto-create',
    afterLastTimestamp: 'minus-one',
    sendsUncompressed: LIBRDKAFKA_SENDS_UNCOMPRESSED,
    async createTopic() {
      // Nothing to do: the broker creates the topic, with num.partitions partitions, when
      // the first produce asks for its metadata.
    },
    async produce(topic, records, options) {
      for (let i = 0; i < records.length; ) {
        let j = i + 1;
        while (j < records.length && sameHeaders(records[i]!, records[j]!)) j++;
        await kcatProduce(bootstrap, {
          topic,
          partition: options.partition,
          lines: records.slice(i, j).map(toLine),
          keyed: true,
          headers: records[i]!.headers,
          codec: options.codec,
          acks: options.acks ?? -1,
        });
        i = j;
      }
      return null;
    },
    async consume(topic, partition, start, count) {
      const messages = await kcatConsume(bootstrap, { topic, partition, offset: startArg(start), count, exitAtEnd: true, timeoutMs: CLIENT_TIMEOUT_MS });
      return messages.map(toRecord);
    },
    async consumeFromEnd(topic, partition, count, whileWaiting) {
      const run = startKcatConsumer(bootstrap, { topic, partition, offset: 'end', count, exitAtEnd: false, timeoutMs: CLIENT_TIMEOUT_MS });
      await run.waitFor('stderr', /Reached end of topic/, CLIENT_TIMEOUT_MS, 'positioned at the end');
      await whileWaiting();
      return parseKcatMessages(await run.output()).map(toRecord);
    },
    async listOffsets(topic, partition) {
      return {
        earliest: await kcatQueryOffset(bootstrap, topic, partition, -2),
        latest: await kcatQueryOffset(bootstrap, topic, partition, -1),
      };
    },
    offsetForTimestamp: (topic, partition, timestampMs) => kcatQueryOffset(bootstrap, topic, partition, timestampMs),
    deleteTopic: null,
    async listTopics() {
      const md = await kcatMetadata(bootstrap);
      const out = new Map<string, number>();
      for (const t of md.topics) {
        assert.equal(t.error, undefined, `kcat -L: topic ${t.topic} has error ${t.error}`);
        out.set(t.topic, t.partitions.length);
      }
      return out;
    },
    async close() {},
  };
}
