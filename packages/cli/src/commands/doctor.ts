/**
 * `samsa doctor`: reads topics, their settings (with synonyms, to say where each value comes
 * from), the brokers and the consumer groups, and explains topic by topic what can lose or
 * duplicate data (doctor/checks.ts). Exit 0 when no finding is an error, 1 when any is, so a
 * deploy script can gate on it; warnings and notes never fail it.
 */
import type { Admin } from '@samsa/client';
import type { Command } from 'commander';
import { withAdmin } from '../bootstrap.js';
import { CliError, EXIT_FAILED } from '../errors.js';
import { clientCommand, setup, type ClientOptions } from '../options.js';
import type { Output } from '../output.js';
import { diagnose, type DoctorGroup, type DoctorInput, type Finding, type Severity } from '../doctor/checks.js';

async function gather(admin: Admin): Promise<DoctorInput> {
  const cluster = await admin.describeCluster();
  const topics = (await admin.describeTopics()).filter((t) => t.error === null);
  const configs = topics.length === 0 ? [] : await admin.describeConfigs(topics.map((t) => ({ type: 'topic' as const, name: t.topic })), { includeSynonyms: true });
  const brokerId = cluster.controllerId >= 0 ? cluster.controllerId : cluster.brokers[0]?.nodeId;
  const [broker] = brokerId === undefined ? [] : await admin.describeConfigs([{ type: 'broker', name: String(brokerId) }], { includeSynonyms: true });
  const groups: DoctorGroup[] = [];
  for (const g of await admin.listGroups()) {
    const offsets = await admin.listConsumerGroupOffsets(g.groupId).catch(() => []);
    const lagging = offsets.filter((o) => (o.lag ?? 0) > 0);
    groups.push({ groupId: g.groupId, state: g.state ?? 'unknown', lag: lagging.reduce((n, o) => n + o.lag!, 0), partitionsWithLag: lagging.length });
  }
  return {
    brokerCount: cluster.brokers.length,
    topics: topics.map((t, i) => ({ topic: t.topic, isInternal: t.isInternal, partitions: t.partitions, configs: configs[i]?.error ? [] : (configs[i]?.configs ?? []) })),
    brokerConfigs: broker && !broker.error ? broker.configs : null,
    groups,
  };
}

function print(out: Output, findings: readonly Finding[], checked: DoctorInput): void {
  const paint: Record<Severity, (s: string) => string> = { error: out.c.red, warning: out.c.yellow, info: out.c.cyan };
  out.line(`Checked ${checked.topics.length} topic(s), ${checked.groups.length} group(s), ${checked.brokerCount} broker(s).`);
  for (const f of findings) {
    out.line();
    out.line(`${paint[f.severity](f.severity.toUpperCase().padEnd(7))} ${out.c.bold(f.subject)}: ${f.setting}`);
    out.line(`        ${f.problem}`);
    out.line(`        ${out.c.green('fix:')} ${f.fix}`);
  }
  const n = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  out.line();
  out.line(`${n('error')} error(s), ${n('warning')} warning(s), ${n('info')} note(s).`);
}

export function doctorCommand(): Command {
  return clientCommand('doctor', 'explain, topic by topic, what in this cluster can lose or duplicate data', ['samsa doctor', 'samsa doctor --json | jq \'.findings[] | select(.severity == "error")\'']).action(
    async (opts: ClientOptions) => {
      const { bootstrap, out } = setup(opts);
      const input = await withAdmin(bootstrap, gather);
      const findings = diagnose(input);
      const count = (s: Severity): number => findings.filter((f) => f.severity === s).length;
      if (out.json) out.document({ findings, summary: { errors: count('error'), warnings: count('warning'), notes: count('info'), topics: input.topics.length, groups: input.groups.length, brokers: input.brokerCount } });
      else print(out, findings, input);
      if (count('error') > 0) throw new CliError(`${count('error')} finding(s) of severity error: acknowledged records can be lost (each finding names the setting that fixes it)`, EXIT_FAILED);
    },
  );
}
