/**
 * Shared pieces of the consumer-group interop tests: a producer that keeps writing keyed,
 * numbered records; a confluent-kafka (librdkafka) group consumer run as a Python process
 * that reports its assignments, revocations and records as JSON lines; and checks on
 * committed offsets through kafkajs's admin client.
 */
import kafkajs from 'kafkajs';
import { startPython } from '../../helpers/python.js';
import type { ChildRun } from '../../helpers/child-process.js';

const { Kafka, logLevel } = kafkajs;
export type KafkaClient = InstanceType<typeof Kafka>;

export function kafkaClient(bootstrap: string, clientId: string): KafkaClient {
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 } });
}

/** Values are `seq-<n>`; keys spread over `keys` distinct keys, so every partition gets records. */
/** A kafkajs consumer in `groupId` that reads until it has `count` records, then disconnects (committing what it read, then LeaveGroup). */
export async function consumeInGroup(kafka: KafkaClient, groupId: string, topic: string, count: number, timeoutMs: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of ${count} within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

export const seqValue = (n: number): string => `seq-${n}`;

/**
 * Writes batches of keyed records with increasing sequence numbers every `intervalMs`
 * until stopped. Only acknowledged records count as produced.
 */
export class SequenceProducer {
  readonly acked: number[] = [];
  private next: number;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private readonly producer: kafkajs.Producer;

  constructor(
    kafka: KafkaClient,
    readonly topic: string,
    private readonly o: { batch: number; intervalMs: number; keys: number; prefix?: string; firstSeq?: number },
  ) {
    this.next = o.firstSeq ?? 0;
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
  }

  private connected: Promise<void> | null = null;

  private connect(): Promise<void> {
    return (this.connected ??= this.producer.connect());
  }

  async start(): Promise<void> {
    await this.connect();
    this.loop = (async () => {
      while (!this.stopping) {
        await this.sendBatch();
        await new Promise((r) => setTimeout(r, this.o.intervalMs));
      }
    })();
  }

  /** Sends `count` more records at once (after stop, or without start). */
  async sendBatch(count = this.o.batch): Promise<void> {
    await this.connect();
    const seqs = Array.from({ length: count }, () => this.next++);
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: seqs.map((n) => ({ key: `${this.o.prefix ?? 'key'}-${n % this.o.keys}`, value: seqValue(n) })),
    });
    this.acked.push(...seqs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  async disconnect(): Promise<void> {
    await this.stop();
    await this.producer.disconnect();
  }
}

/** Sequence numbers produced but never consumed, for the failure message. */
export function missing(produced: readonly number[], consumed: Iterable<string>): number[] {
  const seen = new Set(consumed);
  return produced.filter((n) => !seen.has(seqValue(n)));
}

/** committed offset and log end offset per partition, through kafkajs's admin client. */
export async function committedVsEnd(kafka: KafkaClient, groupId: string, topic: string): Promise<Array<{ partition: number; committed: number; end: number }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends
      .map((e) => ({ partition: e.partition, end: Number(e.high), committed: Number(committed!.partitions.find((p) => p.partition === e.partition)?.offset ?? -1) }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

export interface ConfluentEvent {
  assigned?: number[];
  revoked?: number[];
  /** What the commit in the revoke callback answered: 'ok', 'nothing to commit' or the error. */
  revokeCommit?: string;
  committed?: Array<[number, number]>;
  records?: Array<[number, number, string]>;
  closed?: boolean;
  error?: string;
}

/**
 * A confluent-kafka consumer in a group. Config keys are librdkafka's. On SIGTERM it stops
 * polling, commits synchronously (with `commitOnClose`) and closes, which leaves the group
 * (unless it is a static member: librdkafka then sends no LeaveGroup). With `commitOnRevoke` it commits its positions synchronously inside the
 * revoke callback, as applications using enable.auto.commit=false do.
 */
const CONFLUENT_MEMBER = `
import signal
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
stop = False
def on_term(signum, frame):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
conf = {'bootstrap.servers': ARGS['bootstrap'], 'group.id': ARGS['group'], 'auto.offset.reset': 'earliest',
        'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'topic.metadata.refresh.interval.ms': 1000}
conf.update(ARGS['config'])
c = Consumer(conf)
def on_assign(consumer, partitions):
    emit({'assigned': sorted(p.partition for p in partitions)})
def on_revoke(consumer, partitions):
    ev = {'revoked': sorted(p.partition for p in partitions)}
    if ARGS['commitOnRevoke']:
        positions = [p for p in consumer.position(partitions) if p.offset >= 0]
        if not positions:
            ev['revokeCommit'] = 'nothing to commit'
        else:
            try:
                done = consumer.commit(offsets=positions, asynchronous=False)
                bad = [str(p.error) for p in done if p.error is not None]
                ev['revokeCommit'] = 'ok' if not bad else 'partition errors: %s' % bad
                ev['committed'] = [[p.partition, p.offset] for p in done]
            except KafkaException as e:
                ev['revokeCommit'] = 'error: %s' % e.args[0]
    emit(ev)
c.subscribe([ARGS['topic']], on_assign=on_assign, on_revoke=on_revoke)
while not stop:
    # poll(), not consume(num_messages>1): librdkafka 2.0.x's batch consume can lose
    # messages when a rebalance happens during the call (its v2.0.0 known issue, fixed in 2.1.0).
    m = c.poll(0.2)
    if m is None:
        continue
    if m.error():
        emit({'error': str(m.error())})
        continue
    emit({'records': [[m.partition(), m.offset(), dec(m.value())]]})
if ARGS['commitOnClose']:
    try:
        c.commit(asynchronous=False)
    except KafkaException as e:
        if e.args[0].code() != KafkaError._NO_OFFSET:
            emit({'error': 'final commit: %s' % e.args[0]})
c.close()
emit({'closed': True})
`;

export class ConfluentMember {
  readonly run: ChildRun;
  private parsedUpTo = 0;
  readonly events: ConfluentEvent[] = [];

  constructor(
    readonly label: string,
    o: { bootstrap: string; group: string; topic: string; config?: Record<string, string | number | boolean>; commitOnRevoke?: boolean; commitOnClose?: boolean; timeoutMs: number },
  ) {
    this.run = startPython(
      CONFLUENT_MEMBER,
      { bootstrap: o.bootstrap, group: o.group, topic: o.topic, config: o.config ?? {}, commitOnRevoke: o.commitOnRevoke ?? false, commitOnClose: o.commitOnClose ?? false },
      o.timeoutMs,
      `confluent-kafka member ${label}`,
    );
  }

  /** Parses the complete lines that arrived since the last call. */
  private parse(): void {
    const end = this.run.stdout.lastIndexOf('\n') + 1;
    if (end <= this.parsedUpTo) return;
    for (const line of this.run.stdout.slice(this.parsedUpTo, end).split('\n')) if (line.trim()) this.events.push(JSON.parse(line) as ConfluentEvent);
    this.parsedUpTo = end;
  }

  all(): ConfluentEvent[] {
    this.parse();
    return this.events;
  }

  values(): string[] {
    return this.all().flatMap((e) => (e.records ?? []).map((r) => r[2]));
  }

  /** The partitions of the last assignment (empty after a revoke). */
  assignment(): number[] {
    let current: number[] = [];
    for (const e of this.all()) {
      if (e.assigned) current = e.assigned;
      if (e.revoked) current = [];
    }
    return current;
  }

  rebalanceEvents(): ConfluentEvent[] {
    return this.all().filter((e) => e.assigned || e.revoked);
  }

  errors(): string[] {
    return this.all().flatMap((e) => (e.error ? [e.error] : []));
  }

  /** SIGTERM: commit if asked, close (leaving the group), exit. */
  async stop(): Promise<void> {
    this.run.child.kill('SIGTERM');
    const r = await this.run.finished;
    if (r.code !== 0) throw new Error(`${this.run.options.what}: exited with ${r.code ?? r.signal}\n${this.run.describe()}`);
  }

  /** SIGKILL, as a crash: no commit, no LeaveGroup. */
  async crash(): Promise<void> {
    this.run.child.kill('SIGKILL');
    await this.run.finished.catch(() => undefined);
  }
}
