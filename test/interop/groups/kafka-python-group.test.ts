/**
 * kafka-python 2.0.2's group consumer (KafkaConsumer with group_id) against the broker
 * process. kafka-python speaks the old group versions (FindCoordinator v0, JoinGroup v2,
 * SyncGroup v1, Heartbeat v1, LeaveGroup v1, OffsetCommit v2, OffsetFetch v1).
 *  1. One consumer reads everything, commits and closes: the commits equal the log ends.
 *  2. Two consumers in the same group then share the partitions (the follower's SyncGroup
 *     may arrive after the leader's) and get exactly the records produced after the
 *     commit: the group resumes where it committed, nothing is delivered again. They
 *     commit in on_partitions_revoked (auto-commit is off), during the rebalance that one
 *     leaving starts, and those commits must succeed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { ChildRun, killChildren } from '../../helpers/child-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { startPython } from '../../helpers/python.js';
import { committedVsEnd, kafkaClient, SequenceProducer, seqValue } from './group-helpers.js';

const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0 };
const TOPIC = 'kp-group';
const GROUP = 'kp-group';
const PARTITIONS = 3;
const TEST_TIMEOUT_MS = 60_000;

/**
 * A kafka-python group member. With `count` it stops after that many records; otherwise at
 * SIGTERM. Then it commits synchronously, closes (LeaveGroup) and reports.
 */
const MEMBER = `
import signal
from kafka import KafkaConsumer, ConsumerRebalanceListener
stop = False
def on_term(signum, frame):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
class Listener(ConsumerRebalanceListener):
    def on_partitions_revoked(self, revoked):
        ev = {'revoked': sorted(tp.partition for tp in revoked)}
        if revoked:
            # With enable_auto_commit=False, what was consumed is committed before the
            # partitions go (else the next owner, maybe this member, reads it again).
            try:
                c.commit()
                ev['revokeCommit'] = 'ok'
            except Exception as e:
                ev['revokeCommit'] = 'error: %r' % e
        emit(ev)
    def on_partitions_assigned(self, assigned):
        emit({'assigned': sorted(tp.partition for tp in assigned)})
c = KafkaConsumer(bootstrap_servers=ARGS['bootstrap'], group_id=ARGS['group'], client_id=ARGS['label'],
                  enable_auto_commit=False, auto_offset_reset='earliest',
                  session_timeout_ms=10000, heartbeat_interval_ms=300, fetch_max_wait_ms=100)
c.subscribe([ARGS['topic']], listener=Listener())
out = []
deadline = time.time() + ARGS['timeoutS']
while not stop and time.time() < deadline and (ARGS['count'] is None or len(out) < ARGS['count']):
    got = []
    for tp, batch in c.poll(timeout_ms=100).items():
        for m in batch:
            got.append([m.partition, m.offset, dec(m.value)])
    if got:
        out.extend(got)
        emit({'records': got})
c.commit()
emit({'done': True, 'values': [r[2] for r in out]})
c.close()
`;

interface MemberEvent {
  assigned?: number[];
  revoked?: number[];
  revokeCommit?: string;
  records?: Array<[number, number, string]>;
  done?: boolean;
  values?: string[];
}

class KafkaPythonMember {
  readonly run: ChildRun;
  constructor(
    readonly label: string,
    bootstrap: string,
    count: number | null,
  ) {
    this.run = startPython(MEMBER, { bootstrap, group: GROUP, topic: TOPIC, label, count, timeoutS: TEST_TIMEOUT_MS / 1000 - 10 }, TEST_TIMEOUT_MS, `kafka-python member ${label}`);
  }

  private events(): MemberEvent[] {
    const complete = this.run.stdout.slice(0, this.run.stdout.lastIndexOf('\n') + 1);
    return complete
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as MemberEvent);
  }

  assignment(): number[] {
    let current: number[] = [];
    for (const e of this.events()) {
      if (e.assigned) current = e.assigned;
      if (e.revoked) current = [];
    }
    return current;
  }

  values(): string[] {
    return this.events().flatMap((e) => (e.records ?? []).map((r) => r[2]));
  }

  revokeCommits(): string[] {
    return this.events().flatMap((e) => (e.revokeCommit ? [e.revokeCommit] : []));
  }

  /** Waits for it to finish (after SIGTERM when `stop`); returns every value it consumed. */
  async finish(stop: boolean): Promise<string[]> {
    if (stop) this.run.child.kill('SIGTERM');
    await this.run.output();
    const done = this.events().find((e) => e.done);
    if (!done) throw new Error(`${this.label} did not report\n${this.run.describe()}`);
    return done.values!;
  }
}

test('kafka-python group: consume and commit, then two members share the partitions and resume after the commit', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  t.after(() => killChildren());
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  const kafka = kafkaClient(broker.current.bootstrap, 'kp-group-test');
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  const producer = new SequenceProducer(kafka, TOPIC, { batch: 30, intervalMs: 0, keys: 30 });
  t.after(() => producer.disconnect().catch(() => undefined));
  await producer.sendBatch();

  // 1. One member reads all 30 and commits.
  const first = await new KafkaPythonMember('kp1', broker.current.bootstrap, 30).finish(false);
  assert.deepEqual([...first].sort(), producer.acked.map(seqValue).sort(), 'the first member reads every record once');
  const committed = await committedVsEnd(kafka, GROUP, TOPIC);
  assert.deepEqual(
    committed.map((p) => p.committed),
    committed.map((p) => p.end),
    `its commit covers the log: ${JSON.stringify(committed)}`,
  );

  // 2. Two members share the partitions, then get only what is produced after the commit.
  const kp2 = new KafkaPythonMember('kp2', broker.current.bootstrap, null);
  const kp3 = new KafkaPythonMember('kp3', broker.current.bootstrap, null);
  await waitFor('kp2 and kp3 to share the partitions', 20_000, () => {
    const a = kp2.assignment();
    const b = kp3.assignment();
    const union = [...a, ...b].sort();
    return a.length > 0 && b.length > 0 && JSON.stringify(union) === JSON.stringify([0, 1, 2]) ? true : undefined;
  });
  const later = new SequenceProducer(kafka, TOPIC, { batch: 30, intervalMs: 0, keys: 30, firstSeq: 1_000 });
  t.after(() => later.disconnect().catch(() => undefined));
  await later.sendBatch();
  const wanted = later.acked.map(seqValue).sort();
  await waitFor('the two members to consume the new records', 15_000, () => (kp2.values().length + kp3.values().length >= wanted.length ? true : undefined));
  const second = await kp2.finish(true);
  const third = await kp3.finish(true);
  for (const m of [kp2, kp3]) assert.ok(m.revokeCommits().every((r) => r === 'ok'), `${m.label}'s commits in on_partitions_revoked: ${m.revokeCommits().join(', ')}`);
  assert.ok(second.length > 0 && third.length > 0, `both members consumed (${second.length} + ${third.length})`);
  assert.deepEqual([...second, ...third].sort(), wanted, 'exactly the records produced after the commit, each once');
  const final = await committedVsEnd(kafka, GROUP, TOPIC);
  assert.deepEqual(
    final.map((p) => p.committed),
    final.map((p) => p.end),
    `the members' commits cover the log: ${JSON.stringify(final)}`,
  );
});
