import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SamsaClientError } from '../../../src/errors.js';
import { ASSIGNORS, DEFAULT_ASSIGNMENT_STRATEGY, parseAssignmentStrategy, type PartitionAssignor } from '../../../src/consumer/assignors/index.js';

test('the registry holds the four built-in assignors under their protocol names', () => {
  assert.deepEqual([...ASSIGNORS.keys()], ['range', 'roundrobin', 'sticky', 'cooperative-sticky']);
  assert.deepEqual([...ASSIGNORS.values()].map((a) => a.rebalanceProtocol), ['eager', 'eager', 'eager', 'cooperative']);
});

test('partition.assignment.strategy: Kafka\'s default, protocol names and Java class names', () => {
  assert.deepEqual(parseAssignmentStrategy(DEFAULT_ASSIGNMENT_STRATEGY).map((a) => a.name), ['range', 'cooperative-sticky']);
  assert.deepEqual(
    parseAssignmentStrategy('org.apache.kafka.clients.consumer.RangeAssignor, CooperativeStickyAssignor').map((a) => a.name),
    ['range', 'cooperative-sticky'],
  );
  assert.deepEqual(
    parseAssignmentStrategy(['org.apache.kafka.clients.consumer.StickyAssignor', 'RoundRobinAssignor']).map((a) => a.name),
    ['sticky', 'roundrobin'],
  );
  // kafkajs's round robin name, for groups shared with kafkajs consumers.
  const [kafkajs] = parseAssignmentStrategy('RoundRobinAssigner');
  assert.equal(kafkajs!.name, 'RoundRobinAssigner');
  assert.equal(kafkajs!.rebalanceProtocol, 'eager');
});

test('partition.assignment.strategy: custom assignor objects keep their place in the order', () => {
  const custom: PartitionAssignor = { name: 'mine', rebalanceProtocol: 'eager', subscriptionUserData: () => null, assign: () => new Map() };
  assert.deepEqual(parseAssignmentStrategy(['sticky', custom]).map((a) => a.name), ['sticky', 'mine']);
});

test('partition.assignment.strategy: unknown names, duplicates and an empty list are CONFIG_INVALID', () => {
  assert.throws(
    () => parseAssignmentStrategy('range,org.example.FancyAssignor'),
    (e: unknown) =>
      e instanceof SamsaClientError &&
      e.code === 'CONFIG_INVALID' &&
      e.message.includes("'org.example.FancyAssignor'") &&
      e.message.includes('cooperative-sticky') &&
      e.message.includes('RangeAssignor'),
  );
  assert.throws(() => parseAssignmentStrategy('range,RangeAssignor'), /listed more than once/);
  assert.throws(() => parseAssignmentStrategy(' , '), /at least one assignor/);
  assert.throws(() => parseAssignmentStrategy([]), /at least one assignor/);
});
