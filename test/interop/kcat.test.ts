/**
 * kcat 1.7.1 (librdkafka 2.0.2) against the broker process: every client scenario. kcat
 * has no admin API, so its topics are auto-created and kafkajs deletes them.
 */
import { after, before, describe } from 'node:test';
import { clientScenarios } from './client-scenarios.js';
import type { ClientDriver } from './clients/driver.js';
import { kafkajsDriver } from './clients/kafkajs.js';
import { kcatDriver } from './clients/kcat.js';
import { useBroker } from './fixture.js';

describe('kcat against the broker process', () => {
  let driver: ClientDriver;
  let deleter: ClientDriver | undefined;
  // Hooks run in the order they are added: the clients close before the broker stops.
  after(async () => {
    await deleter?.close();
  });
  const broker = useBroker();
  before(() => {
    driver = kcatDriver(broker().bootstrap);
    deleter = kafkajsDriver(broker().bootstrap);
  });
  clientScenarios({ port: () => broker().port, driver: () => driver, deleteWith: () => deleter! });
});
