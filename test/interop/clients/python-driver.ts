/**
 * What the two Python drivers (confluent-kafka, kafka-python) share: running an admin snippet,
 * the arguments of a consume snippet, and the driver methods built on those two.
 */
import { lastJsonLine, runPython, startPython } from '../../helpers/python.js';
import { CLIENT_TIMEOUT_MS, type ClientDriver, type ConsumedRecord, type StartAt } from './driver.js';

export interface Consumed {
  records: ConsumedRecord[];
}

export type Start = StartAt | { kind: 'end' };

export function pythonDriverParts(client: string, adminScript: string, bootstrap: string) {
  const timeoutS = CLIENT_TIMEOUT_MS / 1000 - 5;
  return {
    timeoutS,
    admin: <T>(args: Record<string, unknown>): Promise<T> =>
      runPython<T>(adminScript, { bootstrap, ...args }, CLIENT_TIMEOUT_MS, `${client} ${String(args['op'])}`),
    consumeArgs: (topic: string, partition: number, start: Start, count: number): Record<string, unknown> => ({
      bootstrap,
      topic,
      partition,
      start,
      count,
      timeoutS,
    }),
  };
}

type SharedMethods = Pick<ClientDriver, 'consume' | 'consumeFromEnd' | 'listOffsets' | 'offsetForTimestamp' | 'deleteTopic' | 'listTopics' | 'close'>;

/**
 * The driver methods that differ between the two only in their scripts: `consumeScript`
 * prints `"ready": true` once positioned (at the end, for consumeFromEnd), then its records;
 * `readyWhat` names that moment in a timeout message.
 */
export function pythonDriverMethods(client: string, consumeScript: string, readyWhat: string, parts: ReturnType<typeof pythonDriverParts>): SharedMethods {
  const { admin, consumeArgs } = parts;
  return {
    async consume(topic, partition, start, count) {
      const r = await runPython<Consumed>(consumeScript, consumeArgs(topic, partition, start, count), CLIENT_TIMEOUT_MS, `${client} consume ${topic}`);
      return r.records;
    },
    async consumeFromEnd(topic, partition, count, whileWaiting) {
      const run = startPython(consumeScript, consumeArgs(topic, partition, { kind: 'end' }, count), CLIENT_TIMEOUT_MS, `${client} consume ${topic} from the end`);
      await run.waitFor('stdout', /"ready": true/, CLIENT_TIMEOUT_MS, readyWhat);
      await whileWaiting();
      return lastJsonLine<Consumed>(await run.output(), `${client} consume`).records;
    },
    listOffsets: (topic, partition) => admin<{ earliest: number; latest: number }>({ op: 'offsets', topic, partition }),
    async offsetForTimestamp(topic, partition, timestampMs) {
      return (await admin<{ offset: number }>({ op: 'offset_for_time', topic, partition, timestampMs })).offset;
    },
    async deleteTopic(topic) {
      await admin({ op: 'delete', topic });
    },
    async listTopics() {
      const r = await admin<{ topics: Record<string, number> }>({ op: 'list' });
      return new Map(Object.entries(r.topics));
    },
    async close() {},
  };
}
