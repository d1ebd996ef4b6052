/**
 * Opens the metadata store that metadata.store.connect names: `embedded` (a file in the
 * log directory, for a single broker) or an etcd cluster.
 */
import { join } from 'node:path';
import type { BrokerConfig } from '../config/broker-config.js';
import { EmbeddedMetadataStore } from './embedded-store.js';
import type { MetadataStore } from './store.js';

/** How long a starting broker waits for etcd to answer before it gives up. */
const ETCD_CONNECT_TIMEOUT_MS = 10_000;

export async function openMetadataStore(config: BrokerConfig): Promise<MetadataStore> {
  const address = config.metadataStore;
  if (address.kind === 'embedded') return EmbeddedMetadataStore.open(join(config.logDir, 'cluster-metadata.samsa'));
  const { EtcdMetadataStore } = await import('./etcd-store.js');
  return EtcdMetadataStore.connect({ endpoints: address.endpoints, prefix: address.prefix, connectTimeoutMs: ETCD_CONNECT_TIMEOUT_MS });
}
