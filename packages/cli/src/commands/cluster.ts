/**
 * `samsa cluster`: the cluster id, the controller, the brokers, and the partitions that are
 * under-replicated or offline (computed from topic metadata, see partition-health.ts).
 */
import type { Command } from 'commander';
import { withAdmin } from '../bootstrap.js';
import { clientCommand, setup, type ClientOptions } from '../options.js';
import { offline, underReplicated, type PartitionHealth } from '../partition-health.js';
import type { Output } from '../output.js';

export function clusterCommand(): Command {
  return clientCommand('cluster', 'show brokers, the controller, and under-replicated and offline partitions', ['samsa cluster', 'samsa cluster --bootstrap-server 10.0.0.5:9092 --json']).action(
    async (opts: ClientOptions) => {
      const { bootstrap, out } = setup(opts);
      const { cluster, topics } = await withAdmin(bootstrap, async (admin) => ({ cluster: await admin.describeCluster(), topics: await admin.describeTopics() }));
      const report = {
        clusterId: cluster.clusterId,
        controllerId: cluster.controllerId,
        brokers: cluster.brokers,
        topics: topics.length,
        partitions: topics.reduce((n, t) => n + t.partitions.length, 0),
        underReplicatedPartitions: underReplicated(topics),
        offlinePartitions: offline(topics),
      };
      if (out.json) return out.document(report);
      out.fields([
        ['Cluster id', report.clusterId],
        ['Controller', cluster.controller ? `${cluster.controllerId} (${cluster.controller.host}:${cluster.controller.port})` : cluster.controllerId < 0 ? 'none' : cluster.controllerId],
        ['Topics', `${report.topics} (${report.partitions} partitions)`],
      ]);
      out.line();
      out.table(
        ['BROKER', 'HOST', 'PORT', 'RACK'],
        cluster.brokers.map((b) => [b.nodeId === cluster.controllerId ? `${b.nodeId} ${out.c.cyan('(controller)')}` : b.nodeId, b.host, b.port, b.rack]),
      );
      out.line();
      printPartitions(out, 'Under-replicated partitions', report.underReplicatedPartitions, out.c.yellow);
      printPartitions(out, 'Offline partitions', report.offlinePartitions, out.c.red);
    },
  );
}

function printPartitions(out: Output, title: string, parts: PartitionHealth[], paint: (s: string) => string): void {
  if (parts.length === 0) {
    out.line(`${title}: ${out.c.green('none')}`);
    return;
  }
  out.line(`${title}: ${paint(String(parts.length))}`);
  out.table(
    ['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR'],
    parts.map((p) => [p.topic, p.partition, p.leader < 0 ? 'none' : p.leader, p.replicas.join(','), p.isr.join(',') || '-']),
  );
}
