/**
 * samsa doctor's rules, on made-up cluster states: each risk gives one finding with the right
 * severity, the setting's origin and a fix; a safe topic gives none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigEntry, PartitionDescription } from '@samsa/client';
import { diagnose, groupFindings, topicFindings, type DoctorTopic } from '../src/doctor/checks.js';

function partition(i: number, replicas: number[], isr = replicas, leader = replicas[0]!): PartitionDescription {
  return { partition: i, leader, leaderEpoch: 0, replicas, isr, offlineReplicas: [], error: null };
}

function entry(name: string, value: string, source: ConfigEntry['source'], synonym?: string): ConfigEntry {
  const synonyms = synonym ? [{ name: synonym, value, source }] : [];
  return { name, value, source, isDefault: source === 'DEFAULT_CONFIG', readOnly: false, isSensitive: false, type: 'STRING', synonyms, documentation: null };
}

const topic = (partitions: PartitionDescription[], configs: ConfigEntry[] = []): DoctorTopic => ({ topic: 't', isInternal: false, partitions, configs });
const settings = (fs: ReturnType<typeof topicFindings>) => fs.map((f) => [f.severity, f.setting]);

test('a topic with 3 replicas, min.insync.replicas=2 and clean elections has no finding', () => {
  const t = topic([partition(0, [1, 2, 3])], [entry('min.insync.replicas', '2', 'DYNAMIC_TOPIC_CONFIG'), entry('unclean.leader.election.enable', 'false', 'DEFAULT_CONFIG')]);
  assert.deepEqual(topicFindings(t, 3), []);
});

test('replication.factor 1 is an error; the fix depends on how many brokers there are', () => {
  const [one] = topicFindings(topic([partition(0, [0])]), 1);
  assert.deepEqual([one!.severity, one!.setting], ['error', 'replication.factor=1']);
  assert.match(one!.fix, /run at least 3 brokers \(this cluster has 1 broker\)/);
  assert.match(topicFindings(topic([partition(0, [0])]), 3)[0]!.fix, /--replication-factor 3/);
});

test('min.insync.replicas: 1 with replicas is an error naming where the value comes from; equal to the replication factor a warning; above it an error', () => {
  const fromBroker = topicFindings(topic([partition(0, [1, 2, 3])], [entry('min.insync.replicas', '1', 'STATIC_BROKER_CONFIG', 'min.insync.replicas')]), 3);
  assert.deepEqual(settings(fromBroker), [['error', "min.insync.replicas=1 (the broker's min.insync.replicas)"]]);
  assert.match(fromBroker[0]!.fix, /samsa topics alter t --config min.insync.replicas=2/);
  assert.deepEqual(settings(topicFindings(topic([partition(0, [1, 2])]), 3)), [['error', "min.insync.replicas=1 (Kafka's default)"]]);
  assert.deepEqual(settings(topicFindings(topic([partition(0, [1, 2])], [entry('min.insync.replicas', '2', 'DYNAMIC_TOPIC_CONFIG')]), 3)), [['warning', 'min.insync.replicas=2 = replication.factor']]);
  assert.deepEqual(settings(topicFindings(topic([partition(0, [1, 2])], [entry('min.insync.replicas', '3', 'DYNAMIC_TOPIC_CONFIG')]), 3)), [['error', 'min.insync.replicas=3 (set on the topic) > replication.factor=2']]);
});

test('unclean leader election, offline and under-replicated partitions', () => {
  const t = topic(
    [partition(0, [1, 2, 3]), partition(1, [1, 2, 3], [1, 2]), partition(2, [1, 2, 3], [], -1)],
    [entry('min.insync.replicas', '2', 'DYNAMIC_TOPIC_CONFIG'), entry('unclean.leader.election.enable', 'true', 'DYNAMIC_TOPIC_CONFIG')],
  );
  assert.deepEqual(settings(topicFindings(t, 3)), [
    ['error', 'unclean.leader.election.enable=true (set on the topic)'],
    ['error', 'offline partitions 2'],
    ['warning', 'under-replicated partitions 1'],
  ]);
});

test('a group with lag is a warning about auto commit; without lag nothing', () => {
  assert.deepEqual(groupFindings({ groupId: 'g', state: 'Stable', lag: 0, partitionsWithLag: 0 }), []);
  const [f] = groupFindings({ groupId: 'g', state: 'Stable', lag: 42, partitionsWithLag: 2 });
  assert.deepEqual([f!.severity, f!.subject, f!.setting], ['warning', 'group g', 'lag 42 on 2 partitions (state Stable)']);
  assert.match(f!.fix, /enable\.auto\.commit=false/);
});

test('diagnose puts errors first and always adds the note about producer settings', () => {
  const all = diagnose({
    brokerCount: 1,
    topics: [topic([partition(0, [0])])],
    brokerConfigs: [entry('default.replication.factor', '1', 'DEFAULT_CONFIG')],
    groups: [{ groupId: 'g', state: 'Empty', lag: 1, partitionsWithLag: 1 }],
  });
  assert.deepEqual(all.map((f) => [f.severity, f.subject]), [['error', 'topic t'], ['warning', 'cluster'], ['warning', 'group g'], ['info', 'cluster']]);
});
