/**
 * What `samsa doctor` looks for, as pure functions of what the admin client read, so each
 * rule is tested without a cluster. A finding says what can lose or duplicate data, the
 * setting behind it (and where that value comes from), and the setting that fixes it.
 *
 * Severities: 'error' means acknowledged records can be lost when one broker or disk fails
 * (or writes cannot succeed at all); 'warning' a risk that needs a second fault or a crash of
 * a client (duplicates, lower availability); 'info' what the cluster cannot show but matters.
 */
import type { ConfigEntry, PartitionDescription } from '@samsa/client';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  /** "topic events", "group billing", "cluster". */
  subject: string;
  /** The setting (or state) behind it, e.g. "min.insync.replicas=1". */
  setting: string;
  problem: string;
  fix: string;
}

export interface DoctorTopic {
  topic: string;
  isInternal: boolean;
  partitions: readonly PartitionDescription[];
  /** DescribeConfigs with synonyms; empty when the broker refused. */
  configs: readonly ConfigEntry[];
}

export interface DoctorGroup {
  groupId: string;
  state: string;
  /** Records between the committed offsets and the log ends, over all partitions. */
  lag: number;
  partitionsWithLag: number;
}

export interface DoctorInput {
  brokerCount: number;
  topics: readonly DoctorTopic[];
  /** One broker's settings (with synonyms), null when they could not be read. */
  brokerConfigs: readonly ConfigEntry[] | null;
  groups: readonly DoctorGroup[];
}

/** Kafka's defaults, for a broker that does not report a setting. */
const DEFAULTS: Record<string, string> = { 'min.insync.replicas': '1', 'unclean.leader.election.enable': 'false', 'default.replication.factor': '1' };

function setting(configs: readonly ConfigEntry[], name: string): { value: string; from: string } {
  const e = configs.find((c) => c.name === name);
  if (!e || e.value === null) return { value: DEFAULTS[name] ?? '', from: "Kafka's default" };
  if (e.source === 'DYNAMIC_TOPIC_CONFIG') return { value: e.value, from: 'set on the topic' };
  const synonym = e.synonyms.find((s) => s.source === e.source && s.name !== name) ?? e.synonyms.find((s) => s.source === e.source);
  if (e.source === 'DEFAULT_CONFIG') return { value: e.value, from: "Kafka's default" };
  return { value: e.value, from: `the broker's ${synonym?.name ?? name}` };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function topicFindings(t: DoctorTopic, brokerCount: number): Finding[] {
  const out: Finding[] = [];
  const subject = `topic ${t.topic}`;
  const rf = Math.min(...t.partitions.map((p) => p.replicas.length));
  const alter = (k: string, v: string): string => `samsa topics alter ${t.topic} --config ${k}=${v}`;
  if (t.partitions.length > 0 && rf <= 1) {
    out.push({
      severity: 'error',
      subject,
      setting: 'replication.factor=1',
      problem: 'each partition has one copy: losing that broker or its disk loses every record in it, acknowledged or not',
      fix:
        brokerCount >= 3
          ? `recreate the topic with --replication-factor 3 (or reassign its partitions to 3 replicas)`
          : `run at least 3 brokers (this cluster has ${plural(brokerCount, 'broker')}), then give the topic --replication-factor 3`,
    });
  }
  const minIsr = setting(t.configs, 'min.insync.replicas');
  const minIsrN = Number(minIsr.value);
  if (rf >= 2 && minIsrN < 2) {
    out.push({
      severity: 'error',
      subject,
      setting: `min.insync.replicas=${minIsr.value} (${minIsr.from})`,
      problem: 'with acks=all a write is acknowledged as soon as the leader alone has it when the followers lag; if that leader then fails, the record is lost. acks=all with an ISR of 1 is no better than acks=1',
      fix: `${alter('min.insync.replicas', '2')} (with replication.factor >= 3, so one broker can be down)`,
    });
  }
  if (rf >= 1 && minIsrN > rf) {
    out.push({
      severity: 'error',
      subject,
      setting: `min.insync.replicas=${minIsr.value} (${minIsr.from}) > replication.factor=${rf}`,
      problem: 'every acks=all write fails with NOT_ENOUGH_REPLICAS: there can never be that many in-sync replicas',
      fix: alter('min.insync.replicas', String(Math.max(1, rf - 1))),
    });
  } else if (rf >= 2 && minIsrN === rf) {
    out.push({
      severity: 'warning',
      subject,
      setting: `min.insync.replicas=${minIsr.value} = replication.factor`,
      problem: 'any one replica down (a restart included) makes every acks=all write fail with NOT_ENOUGH_REPLICAS; producers retry and may give up',
      fix: `replication.factor = min.insync.replicas + 1, or ${alter('min.insync.replicas', String(rf - 1))}`,
    });
  }
  const unclean = setting(t.configs, 'unclean.leader.election.enable');
  if (unclean.value === 'true') {
    out.push({
      severity: 'error',
      subject,
      setting: `unclean.leader.election.enable=true (${unclean.from})`,
      problem: 'when no in-sync replica is alive, a replica that is behind becomes leader and the records it lacks are gone, acknowledged ones included',
      fix: alter('unclean.leader.election.enable', 'false'),
    });
  }
  const offline = t.partitions.filter((p) => p.leader < 0);
  if (offline.length > 0) {
    out.push({
      severity: 'error',
      subject,
      setting: `offline partitions ${offline.map((p) => p.partition).join(',')}`,
      problem: 'no leader: these partitions accept no writes and serve no reads until a replica in the ISR comes back',
      fix: `bring back the brokers holding their replicas (${[...new Set(offline.flatMap((p) => p.replicas))].join(',')})`,
    });
  }
  const under = t.partitions.filter((p) => p.leader >= 0 && p.isr.length < p.replicas.length);
  if (under.length > 0) {
    out.push({
      severity: 'warning',
      subject,
      setting: `under-replicated partitions ${under.map((p) => p.partition).join(',')}`,
      problem: 'fewer in-sync copies than replicas: another failure now can make a partition offline or lose records',
      fix: 'find the replicas out of the ISR (samsa topics describe) and bring their brokers back or let them catch up',
    });
  }
  return out;
}

export function groupFindings(g: DoctorGroup): Finding[] {
  if (g.lag <= 0) return [];
  return [
    {
      severity: 'warning',
      subject: `group ${g.groupId}`,
      setting: `lag ${g.lag} on ${plural(g.partitionsWithLag, 'partition')} (state ${g.state})`,
      problem:
        'the cluster cannot see whether its consumers use enable.auto.commit=true (the default). If they do, offsets are committed on a timer, apart from processing: a consumer that crashes after a commit and before processing skips those records (loss), one that crashes before the commit reads again what it processed (duplicates). The more lag, the more records are in that window',
      fix: 'consumers: enable.auto.commit=false and commit after processing (at-least-once), with processing that tolerates a repeat',
    },
  ];
}

export function clusterFindings(input: DoctorInput): Finding[] {
  const out: Finding[] = [];
  if (input.brokerConfigs) {
    const rf = setting(input.brokerConfigs, 'default.replication.factor');
    if (Number(rf.value) < 3) {
      out.push({
        severity: 'warning',
        subject: 'cluster',
        setting: `default.replication.factor=${rf.value} (${rf.from})`,
        problem: 'topics created without a replication factor (and auto-created ones) get fewer than 3 replicas',
        fix: 'default.replication.factor=3 in the brokers\' settings (samsa start -o default.replication.factor=3), with at least 3 brokers',
      });
    }
  }
  out.push({
    severity: 'info',
    subject: 'cluster',
    setting: 'producer acks, enable.idempotence',
    problem:
      'producer settings are not visible to the cluster. acks=1 or 0 loses acknowledged records when a leader fails before its followers copy them; retries without enable.idempotence can write a record twice',
    fix: 'producers: acks=all and enable.idempotence=true (the default in Samsa and in Kafka since 3.0)',
  });
  return out;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Every finding, errors first, then by subject. */
export function diagnose(input: DoctorInput): Finding[] {
  const all = [...input.topics.flatMap((t) => topicFindings(t, input.brokerCount)), ...input.groups.flatMap(groupFindings), ...clusterFindings(input)];
  return all.sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
}
