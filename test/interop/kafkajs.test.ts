/**
 * kafkajs 2.2.4 against the broker process: every client scenario.
 */
import { after, before, describe } from 'node:test';
import { clientScenarios } from './client-scenarios.js';
import type { ClientDriver } from './clients/driver.js';
import { kafkajsDriver } from './clients/kafkajs.js';
import { useBroker } from './fixture.js';

describe('kafkajs against the broker process', () => {
  let driver: ClientDriver | undefined;
  // Hooks run in the order they are added: the client closes before the broker stops.
  after(async () => {
    await driver?.close();
  });
  const broker = useBroker();
  before(() => {
    driver = kafkajsDriver(broker().bootstrap);
  });
  clientScenarios({ port: () => broker().port, driver: () => driver! });
});
