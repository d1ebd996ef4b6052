/**
 * `samsa groups list|describe|reset-offsets|delete`, as kafka-consumer-groups.sh does them.
 */
import type { Admin, GroupDescription, GroupOffset } from '@samsa/client';
import type { Command } from 'commander';
import { withAdmin } from '../bootstrap.js';
import { failOnItemErrors, FailedError } from '../errors.js';
import { clientCommand, parentCommand, setup, type ClientOptions } from '../options.js';
import { resetOffsetsCommand } from './groups-reset.js';

export function groupsCommand(): Command {
  return parentCommand('groups', 'list, describe (members, offsets, lag), reset offsets of and delete consumer groups', [
    'samsa groups list',
    'samsa groups describe billing',
    'samsa groups reset-offsets billing --topic events --to-earliest --execute',
    'samsa groups delete billing',
  ])
    .addCommand(listCommand())
    .addCommand(describeCommand())
    .addCommand(resetOffsetsCommand())
    .addCommand(deleteCommand());
}

function listCommand(): Command {
  return clientCommand('list', 'list the consumer groups with their states', ['samsa groups list', 'samsa groups list --json']).action(async (opts: ClientOptions) => {
    const { bootstrap, out } = setup(opts);
    const groups = (await withAdmin(bootstrap, (admin) => admin.listGroups())).sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
    if (out.json) return out.document({ groups });
    out.table(
      ['GROUP', 'STATE', 'PROTOCOL-TYPE', 'COORDINATOR'],
      groups.map((g) => [g.groupId, g.state, g.protocolType || '-', g.coordinator]),
      '(no groups)',
    );
  });
}

export interface GroupPartition {
  topic: string;
  partition: number;
  /** null: the group has committed nothing here. */
  committedOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

export interface DescribedGroup {
  groupId: string;
  state: string;
  protocol: string;
  coordinator: number;
  members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; host: string; assignment: Array<{ topic: string; partitions: number[] }> }>;
  partitions: GroupPartition[];
  totalLag: number;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** The group's members and, for every partition it has committed or is assigned, offsets and lag. */
export async function describeGroup(admin: Admin, groupId: string): Promise<DescribedGroup> {
  const [g] = await admin.describeGroups([groupId]);
  failOnItemErrors('group', [{ name: groupId, error: g!.error }]);
  let offsets = await admin.listConsumerGroupOffsets(groupId);
  const owner = new Map<string, GroupDescription['members'][number]>();
  for (const m of g!.members) for (const tp of m.assignment?.partitions ?? []) for (const p of tp.partitions) owner.set(key(tp.topic, p), m);
  const known = new Set(offsets.map((o) => key(o.topic, o.partition)));
  const assignedOnly = [...owner.keys()].filter((k) => !known.has(k));
  if (assignedOnly.length > 0) {
    // Assigned but never committed: Kafka's tool shows these too, with their log end.
    const all = [...known, ...assignedOnly].map((k) => ({ topic: k.split('\u0000')[0]!, partition: Number(k.split('\u0000')[1]) }));
    offsets = await admin.listConsumerGroupOffsets(groupId, all);
  }
  if (g!.state === 'Dead' && offsets.length === 0) throw new FailedError(`group ${JSON.stringify(groupId)} does not exist; \`samsa groups list\` shows the groups`);
  const partitions = offsets
    .map((o: GroupOffset) => {
      const m = owner.get(key(o.topic, o.partition));
      return {
        topic: o.topic,
        partition: o.partition,
        committedOffset: o.offset >= 0 ? o.offset : null,
        logEndOffset: o.logEndOffset >= 0 ? o.logEndOffset : null,
        lag: o.lag,
        memberId: m?.memberId ?? null,
        clientId: m?.clientId ?? null,
        host: m?.clientHost ?? null,
      };
    })
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  return {
    groupId,
    state: g!.state,
    protocol: g!.protocol,
    coordinator: g!.coordinator,
    members: g!.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, host: m.clientHost, assignment: m.assignment?.partitions ?? [] })),
    partitions,
    totalLag: partitions.reduce((n, p) => n + (p.lag ?? 0), 0),
  };
}

function describeCommand(): Command {
  return clientCommand('describe', "show a group's members and, per partition, the committed offset, log end and lag", [
    'samsa groups describe billing',
    'samsa groups describe billing --json',
  ])
    .argument('<group>', 'the group id')
    .action(async (groupId: string, opts: ClientOptions) => {
      const { bootstrap, out } = setup(opts);
      const g = await withAdmin(bootstrap, (admin) => describeGroup(admin, groupId));
      if (out.json) return out.document(g);
      out.fields([
        ['Group', g.groupId],
        ['State', g.state],
        ['Assignor', g.protocol || null],
        ['Coordinator', g.coordinator],
        ['Members', g.members.length],
        ['Total lag', g.totalLag],
      ]);
      out.line();
      out.table(
        ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
        g.partitions.map((p) => [p.topic, p.partition, p.committedOffset, p.logEndOffset, p.lag !== null && p.lag > 0 ? out.c.yellow(String(p.lag)) : p.lag, p.memberId, p.host, p.clientId]),
        '(no committed offsets and no assigned partitions)',
      );
      if (g.members.length > 0) {
        out.line();
        out.table(
          ['MEMBER-ID', 'INSTANCE-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'],
          g.members.map((m) => [m.memberId, m.groupInstanceId, m.clientId, m.host, m.assignment.map((a) => `${a.topic}:${a.partitions.join(',')}`).join(' ') || '-']),
        );
      }
    });
}

function deleteCommand(): Command {
  return clientCommand('delete', 'delete inactive consumer groups and their committed offsets', ['samsa groups delete billing', 'samsa groups delete old-1 old-2 --json'])
    .argument('<group...>', 'the group ids')
    .action(async (groupIds: string[], opts: ClientOptions) => {
      const { bootstrap, out } = setup(opts);
      const results = await withAdmin(bootstrap, (admin) => admin.deleteGroups(groupIds));
      const deleted = results.filter((r) => r.error === null).map((r) => r.groupId);
      if (out.json) out.document({ deleted, failed: results.filter((r) => r.error).map((r) => ({ group: r.groupId, error: r.error!.type, message: r.error!.message })) });
      else for (const g of deleted) out.line(`Deleted group ${g}.`);
      failOnItemErrors('group', results.map((r) => ({ name: r.groupId, error: r.error })));
    });
}
