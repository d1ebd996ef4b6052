/**
 * confluent-kafka-python 1.7.0 (librdkafka 2.0.2) against the broker process: every client scenario.
 */
import { after, before, describe } from 'node:test';
import { clientScenarios } from './client-scenarios.js';
import type { ClientDriver } from './clients/driver.js';
import { confluentDriver } from './clients/confluent-kafka.js';
import { useBroker } from './fixture.js';

describe('confluent-kafka against the broker process', () => {
  let driver: ClientDriver | undefined;
  // Hooks run in the order they are added: the client closes before the broker stops.
  after(async () => {
    await driver?.close();
  });
  const broker = useBroker();
  before(() => {
    driver = confluentDriver(broker().bootstrap);
  });
  clientScenarios({ port: () => broker().port, driver: () => driver! });
});
