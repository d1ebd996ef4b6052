/**
 * One broker process per test file (or suite): started in `before`; after each test every
 * client process it left running is killed; in `after` the broker is stopped and its data
 * dir removed.
 */
import { after, afterEach, before } from 'node:test';
import { removeDir, startBroker, type BrokerProcess, type StartOptions } from '../helpers/broker-process.js';
import { killChildren } from '../helpers/child-process.js';

export function useBroker(options: StartOptions = {}): () => BrokerProcess {
  let broker: BrokerProcess | null = null;
  before(async () => {
    broker = await startBroker(options);
  });
  afterEach(() => killChildren());
  after(async () => {
    killChildren();
    if (!broker) return;
    await broker.stop();
    await removeDir(broker.dataDir);
  });
  return () => {
    if (!broker) throw new Error('the broker has not started');
    return broker;
  };
}
