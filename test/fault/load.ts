/**
 * The load the fault test runs while brokers fail: two idempotent acks=all producers (ours
 * and librdkafka's) and a consumer group of ours that commits after every poll.
 *
 * Every record's value is `<producer>|<key>|<sequence of this key>|<sequence of this
 * producer>`, unique per run, so the log can be checked record by record. Each producer
 * writes what was acknowledged (partition, offset, value), one JSON line per delivery
 * report, to its ack file.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { Consumer, Producer } from '@samsa/client';
import { startPython } from '../helpers/python.js';
import type { ChildRun } from '../helpers/child-process.js';

export const KEYS = 16;
/** One send every this many ms per producer: enough to keep every partition busy, little enough for a shared 2-core machine. */
export const SEND_INTERVAL_MS = 4;

export interface Ack {
  p: number;
  /** null: librdkafka reported the record persisted with no offset. */
  o: number | null;
  v: string;
}

export interface ProducerSummary {
  sent: number;
  acked: number;
  failed: number;
  errors: string[];
}

export function valueOf(producer: string, key: number, keySequence: number, sequence: number): string {
  return `${producer}|k${key}|${keySequence}|${sequence}`;
}

export function parseValue(v: string): { producer: string; key: string; keySequence: number; sequence: number } {
  const [producer, key, keySequence, sequence] = v.split('|');
  return { producer: producer!, key: key!, keySequence: Number(keySequence), sequence: Number(sequence) };
}

/** Our producer: defaults are acks=all and idempotence on; said again here because the test depends on them. */
export function startSamsaProducer(bootstrap: string, topic: string, ackFile: string): { stop(): Promise<ProducerSummary> } {
  const producer = new Producer({
    'bootstrap.servers': bootstrap,
    acks: 'all',
    'enable.idempotence': true,
    'linger.ms': 5,
    'request.timeout.ms': 10_000,
    'delivery.timeout.ms': 180_000,
  });
  const out = createWriteStream(ackFile);
  const summary: ProducerSummary = { sent: 0, acked: 0, failed: 0, errors: [] };
  const keySequences = new Array<number>(KEYS).fill(0);
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const key = summary.sent % KEYS;
      const value = valueOf('samsa', key, keySequences[key]!++, summary.sent++);
      producer.send({ topic, key: `k${key}`, value }, (err, md) => {
        if (err || !md) {
          summary.failed++;
          if (summary.errors.length < 20) summary.errors.push(`${value}: ${err?.message}`);
          return;
        }
        summary.acked++;
        out.write(`${JSON.stringify({ p: md.partition, o: md.offset, v: value })}\n`);
      });
      // The producer blocks (max.block.ms) rather than grow past buffer.memory.
      await producer.waitForBuffer();
      await new Promise((r) => setTimeout(r, SEND_INTERVAL_MS));
    }
  })();
  return {
    async stop() {
      if (stopping) return summary;
      stopping = true;
      await loop;
      await producer.flush();
      await producer.close(10_000);
      await new Promise<void>((resolve) => out.end(resolve));
      return summary;
    },
  };
}

/**
 * librdkafka through python3-confluent-kafka, enable.idempotence=true (acks=all with it).
 * It produces until `stopFile` exists, then flushes and prints its summary.
 */
export function startLibrdkafkaProducer(bootstrap: string, topic: string, ackFile: string, stopFile: string, timeoutMs: number): ChildRun {
  return startPython(
    `
    import os
    from confluent_kafka import Producer
    fatal = []
    def on_error(err):
        if err.fatal():
            fatal.append(str(err))
    p = Producer({
        'bootstrap.servers': ARGS['bootstrap'],
        'enable.idempotence': True,
        'acks': 'all',
        'linger.ms': 5,
        'message.timeout.ms': 180000,
        'socket.timeout.ms': 10000,
        'retry.backoff.ms': 100,
        'error_cb': on_error,
    })
    out = open(ARGS['ackFile'], 'w', buffering=1)
    s = {'sent': 0, 'acked': 0, 'failed': 0, 'errors': []}
    def report(err, msg):
        if err is None:
            s['acked'] += 1
            out.write(json.dumps({'p': msg.partition(), 'o': msg.offset(), 'v': dec(msg.value())}) + '\\n')
        else:
            s['failed'] += 1
            if len(s['errors']) < 20:
                s['errors'].append('%s: %s' % (dec(msg.value()), err))
    seqs = [0] * ARGS['keys']
    emit({'ready': True})
    while not os.path.exists(ARGS['stopFile']) and not fatal:
        key = s['sent'] % ARGS['keys']
        value = 'librdkafka|k%d|%d|%d' % (key, seqs[key], s['sent'])
        try:
            p.produce(ARGS['topic'], key=enc('k%d' % key), value=enc(value), on_delivery=report)
        except BufferError:
            p.poll(0.1)
            continue
        seqs[key] += 1
        s['sent'] += 1
        p.poll(ARGS['intervalMs'] / 1000.0)
    left = p.flush(150)
    out.close()
    s['errors'] = fatal + s['errors']
    s['unflushed'] = left
    emit(s)
    `,
    { bootstrap, topic, ackFile, stopFile, keys: KEYS, intervalMs: SEND_INTERVAL_MS },
    timeoutMs,
    'librdkafka idempotent producer',
  );
}

export function stopRequested(stopFile: string): boolean {
  return existsSync(stopFile);
}

/**
 * A consumer of ours in a group: polls, remembers every value it saw, commits after each
 * poll (commitSync; a commit that fails during a fault is counted and retried by the next).
 */
export class GroupReader {
  readonly seen = new Map<string, number>();
  /** Rebalance listener calls, with times, for a failure message. */
  readonly events: string[] = [];
  /** partition -> the offset after the last record handed out. */
  readonly next = new Map<number, number>();
  commits = 0;
  commitErrors = 0;
  pollErrors = 0;
  private stopping = false;
  private readonly consumer: Consumer;
  private readonly loop: Promise<void>;

  constructor(bootstrap: string, topic: string, readonly groupId: string) {
    this.consumer = new Consumer({
      'bootstrap.servers': bootstrap,
      'group.id': groupId,
      'enable.auto.commit': false,
      'auto.offset.reset': 'earliest',
      'session.timeout.ms': 10_000,
      'heartbeat.interval.ms': 500,
      'fetch.max.wait.ms': 200,
      'request.timeout.ms': 10_000,
    });
    const note = (what: string) => (tps: Array<{ partition: number }>) => {
      this.events.push(`${new Date().toISOString().slice(11, 23)} ${what} [${tps.map((tp) => tp.partition).sort()}]`);
    };
    this.consumer.subscribe([topic], { onPartitionsAssigned: note('assigned'), onPartitionsRevoked: note('revoked'), onPartitionsLost: note('lost') });
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let records;
      try {
        records = await this.consumer.poll(500);
      } catch {
        this.pollErrors++;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      for (const r of records) {
        const v = r.value!.toString();
        this.seen.set(v, (this.seen.get(v) ?? 0) + 1);
        this.next.set(r.partition, r.offset + 1);
      }
      if (records.length === 0) continue;
      try {
        await this.consumer.commitSync(undefined, 10_000);
        this.commits++;
      } catch {
        this.commitErrors++;
      }
    }
  }

  /** For a failure message: what is assigned and where each partition's reading stands. */
  describe(): string {
    const assigned = this.consumer.assignment().map((tp) => tp.partition).sort();
    const next = [...this.next.entries()].sort((a, b) => a[0] - b[0]).map(([p, o]) => `${p}@${o}`);
    return `assigned [${assigned}], read up to ${next.join(' ')}; ${this.commits} commits, ${this.commitErrors} commit errors, ${this.pollErrors} poll errors; rebalances: ${this.events.slice(-10).join('; ')}; fetcher: ${this.fetcherState()}`;
  }

  /**
   * The consumer's fetch state, read from its internals (a diagnostic for a stalled partition:
   * is it buffered, in flight, in error, and where does the metadata say its leader is?).
   */
  private fetcherState(): string {
    const c = this.consumer as unknown as {
      fetcher: { buffered: Map<string, unknown>; inFlightNodes: Set<number>; inFlightPartitions: Set<string>; nodeRetryAt: Map<number, number>; errors: Map<string, unknown>; fetchesSent: number };
      metadata: { cache: { topic(t: string): { partitions: Array<{ leaderId: number; leaderEpoch: number } | undefined> } | undefined } };
      pool: { isFailing(n: number): boolean; ready(n: number): unknown };
      subs: { fetchable(): Iterable<{ key: string; position: number | null }> };
    };
    const f = c.fetcher;
    const key = (k: string) => k.replace('\u0000', '-');
    const topic = c.metadata.cache.topic('fault');
    const leaders = topic?.partitions.map((p, i) => `${i}:${p?.leaderId}/e${p?.leaderEpoch}`).join(' ');
    const fetchable = [...c.subs.fetchable()].map((st) => `${key(st.key)}@${st.position}`).join(' ');
    return `sent ${f.fetchesSent}; buffered [${[...f.buffered.keys()].map(key)}]; in flight nodes [${[...f.inFlightNodes]}] partitions [${[...f.inFlightPartitions].map(key)}]; retryAt ${JSON.stringify([...f.nodeRetryAt].map(([n, at]) => [n, at - Date.now()]))}; errors [${[...f.errors.keys()].map(key)}]; leaders ${leaders}; fetchable ${fetchable}; failing ${[1, 2, 3].filter((n) => c.pool.isFailing(n))}`;
  }

  /** Stops polling, commits what was consumed (bounded retries) and leaves the group. */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.loop;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.consumer.commitSync(undefined, 10_000);
        break;
      } catch {
        this.commitErrors++;
      }
    }
    await this.consumer.close(10_000);
  }
}
