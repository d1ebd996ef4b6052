/**
 * partition.assignment.strategy: Kafka's names (or the class names Java users write) mapped to
 * the built-in assignors, and assignor objects taken as they are. The order is the member's
 * preference in JoinGroup.
 */
import { configError } from '../errors.js';
import type { PartitionAssignor } from './assignors/assignor.js';
import { BUILT_IN_ASSIGNORS } from './built-in-assignors.js';

/** Java class names as written in Kafka configurations, to the protocol names. */
const JAVA_NAMES: Readonly<Record<string, string>> = {
  'org.apache.kafka.clients.consumer.RangeAssignor': 'range',
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': 'roundrobin',
  'org.apache.kafka.clients.consumer.StickyAssignor': 'sticky',
  'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': 'cooperative-sticky',
};

function isAssignor(v: unknown): v is PartitionAssignor {
  const a = v as PartitionAssignor;
  return typeof a === 'object' && a !== null && typeof a.name === 'string' && typeof a.assign === 'function' && typeof a.subscriptionUserData === 'function' && (a.rebalanceProtocol === 'eager' || a.rebalanceProtocol === 'cooperative');
}

export function resolveAssignors(spec: string | ReadonlyArray<string | PartitionAssignor>): PartitionAssignor[] {
  const items = typeof spec === 'string' ? spec.split(',').map((s) => s.trim()).filter(Boolean) : [...spec];
  if (items.length === 0) throw configError('partition.assignment.strategy is empty');
  const out: PartitionAssignor[] = [];
  for (const item of items) {
    let assignor: PartitionAssignor;
    if (typeof item === 'string') {
      const name = JAVA_NAMES[item] ?? item;
      const make = BUILT_IN_ASSIGNORS.get(name);
      if (!make) throw configError(`partition.assignment.strategy: unknown assignor ${JSON.stringify(item)} (known: ${[...BUILT_IN_ASSIGNORS.keys()].join(', ') || 'none'})`);
      assignor = make();
    } else if (isAssignor(item)) {
      assignor = item;
    } else {
      throw configError('partition.assignment.strategy entries must be assignor names or objects implementing PartitionAssignor');
    }
    if (out.some((a) => a.name === assignor.name)) throw configError(`partition.assignment.strategy names ${assignor.name} twice`);
    out.push(assignor);
  }
  return out;
}
