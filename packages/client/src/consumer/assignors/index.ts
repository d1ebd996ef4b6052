/**
 * The built-in assignors by protocol name, and the parser for partition.assignment.strategy.
 *
 * Kafka takes a list of assignor classes; its default is
 * [RangeAssignor, CooperativeStickyAssignor]: members vote for 'range', and a rolling switch to
 * cooperative-sticky is a one-step config change (KIP-429's upgrade path). We take the protocol
 * names, Java class names (full or simple) and kafkajs's 'RoundRobinAssigner', so a Java
 * consumer's configuration carries over unchanged.
 */
import { configError } from '../../errors.js';
import type { PartitionAssignor } from './assignor.js';
import { cooperativeStickyAssignor } from './cooperative-sticky.js';
import { rangeAssignor } from './range.js';
import { roundRobinAssignor } from './roundrobin.js';
import { stickyAssignor } from './sticky.js';

export type { MemberAssignment, MemberSubscription, OwnState, PartitionAssignor, SubscriptionInfo, TopicPartitions } from './assignor.js';
export { rangeAssignor } from './range.js';
export { roundRobinAssignor } from './roundrobin.js';
export { stickyAssignor } from './sticky.js';
export { cooperativeStickyAssignor } from './cooperative-sticky.js';

/** Kafka 3.0+'s default partition.assignment.strategy. */
export const DEFAULT_ASSIGNMENT_STRATEGY = 'range,cooperative-sticky';

const roundRobin = roundRobinAssignor();

/** The built-in assignors, keyed by the protocol name they send in JoinGroup. */
export const ASSIGNORS: ReadonlyMap<string, PartitionAssignor> = new Map(
  [rangeAssignor, roundRobin, stickyAssignor, cooperativeStickyAssignor].map((a) => [a.name, a]),
);

const JAVA_PACKAGE = 'org.apache.kafka.clients.consumer.';
const ALIASES: ReadonlyMap<string, () => PartitionAssignor> = new Map([
  ['range', () => rangeAssignor],
  ['RangeAssignor', () => rangeAssignor],
  ['roundrobin', () => roundRobin],
  ['RoundRobinAssignor', () => roundRobin],
  // kafkajs 2.x's name for its round robin: lets a member join a kafkajs group.
  ['RoundRobinAssigner', () => roundRobinAssignor('RoundRobinAssigner')],
  ['sticky', () => stickyAssignor],
  ['StickyAssignor', () => stickyAssignor],
  ['cooperative-sticky', () => cooperativeStickyAssignor],
  ['CooperativeStickyAssignor', () => cooperativeStickyAssignor],
]);

function lookup(name: string): PartitionAssignor {
  const simple = name.startsWith(JAVA_PACKAGE) ? name.slice(JAVA_PACKAGE.length) : name;
  const make = ALIASES.get(simple);
  if (make === undefined) {
    throw configError(
      `partition.assignment.strategy: unknown assignor '${name}'; known: ${[...ALIASES.keys()].join(', ')} ` +
        `(Java class names may carry the ${JAVA_PACKAGE} prefix), or pass a PartitionAssignor object`,
    );
  }
  return make();
}

/**
 * Reads partition.assignment.strategy: a comma-separated string ('range,cooperative-sticky'), or
 * a list of names and PartitionAssignor objects (custom assignors). The order is the order of
 * preference sent in JoinGroup. Unknown names, duplicates and an empty list are CONFIG_INVALID.
 */
export function parseAssignmentStrategy(value: string | readonly (string | PartitionAssignor)[]): PartitionAssignor[] {
  const items = typeof value === 'string' ? value.split(',') : value;
  const assignors: PartitionAssignor[] = [];
  for (const item of items) {
    if (typeof item !== 'string') assignors.push(item);
    else if (item.trim() !== '') assignors.push(lookup(item.trim()));
  }
  if (assignors.length === 0) throw configError('partition.assignment.strategy: at least one assignor is needed');
  const seen = new Set<string>();
  for (const a of assignors) {
    if (seen.has(a.name)) throw configError(`partition.assignment.strategy: assignor '${a.name}' is listed more than once`);
    seen.add(a.name);
  }
  return assignors;
}
