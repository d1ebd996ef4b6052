/**
 * kafka-python 2.0.2 against the broker process: every client scenario.
 */
import { after, before, describe } from 'node:test';
import { clientScenarios } from './client-scenarios.js';
import type { ClientDriver } from './clients/driver.js';
import { kafkaPythonDriver } from './clients/kafka-python.js';
import { useBroker } from './fixture.js';

describe('kafka-python against the broker process', () => {
  let driver: ClientDriver | undefined;
  // Hooks run in the order they are added: the client closes before the broker stops.
  after(async () => {
    await driver?.close();
  });
  const broker = useBroker();
  before(() => {
    driver = kafkaPythonDriver(broker().bootstrap);
  });
  clientScenarios({ port: () => broker().port, driver: () => driver! });
});
