/**
 * Opens the metadata store that metadata.store.connect names: `embedded` (a file in the
 * log directory, for a single broker) or `etcd://host:port[,host:port...][/prefix]`.
 */
import { join } from 'node:path';
import { SamsaError } from '@samsa/protocol';
import type { BrokerConfig } from '../config/broker-config.js';
import { EmbeddedMetadataStore } from './embedded-store.js';
import { EtcdMetadataStore, parseEtcdUrl } from './etcd-store.js';
import type { MetadataStore } from './store.js';

/** How long a starting broker waits for etcd to answer before it gives up. */
const ETCD_CONNECT_TIMEOUT_MS = 10_000;

export async function openMetadataStore(config: BrokerConfig): Promise<MetadataStore> {
  const connect = config.metadataStoreConnect.trim();
  if (connect === 'embedded') return EmbeddedMetadataStore.open(join(config.logDir, 'cluster-metadata.samsa'));
  if (connect.startsWith('etcd://')) {
    const { endpoints, prefix } = parseEtcdUrl(connect);
    return EtcdMetadataStore.connect({ endpoints, prefix, connectTimeoutMs: ETCD_CONNECT_TIMEOUT_MS });
  }
  throw new SamsaError('CONFIG_INVALID', `metadata.store.connect ${JSON.stringify(connect)} is neither "embedded" nor etcd://host:port[,host:port...][/prefix]`);
}
