/**
 * What the two Python drivers (confluent-kafka, kafka-python) share: running an admin snippet
 * and the arguments of a consume snippet.
 */
import { runPython } from '../../helpers/python.js';
import { CLIENT_TIMEOUT_MS, type ConsumedRecord, type StartAt } from './driver.js';

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
