/**
 * metadata.store.connect: `embedded`, or `etcd://host:port[,host:port...][/prefix]` (the
 * shape of Kafka's zookeeper.connect, with its chroot as the key prefix). Checked when the
 * configuration is built, before the broker touches its disk.
 */
import { SamsaError } from '@samsa/protocol';

export type StoreAddress = { kind: 'embedded' } | { kind: 'etcd'; endpoints: string[]; prefix: string };

const EXAMPLE = 'e.g. etcd://127.0.0.1:2379 or etcd://10.0.0.1:2379,10.0.0.2:2379/cluster-a';

export function parseStoreAddress(text: string): StoreAddress {
  const address = text.trim();
  if (address === 'embedded') return { kind: 'embedded' };
  if (address.startsWith('etcd://')) return { kind: 'etcd', ...parseEtcdUrl(address) };
  throw new SamsaError('CONFIG_INVALID', `metadata.store.connect ${JSON.stringify(text)} is neither embedded nor etcd://host:port[,host:port...][/prefix] (${EXAMPLE})`);
}

/** Parses `etcd://host:port[,host:port...][/prefix]`; the prefix comes back as '' or '/name'. */
export function parseEtcdUrl(url: string): { endpoints: string[]; prefix: string } {
  const m = /^etcd:\/\/([^/]+)(\/.*)?$/.exec(url.trim());
  if (!m) throw new SamsaError('CONFIG_INVALID', `metadata store ${JSON.stringify(url)} is not etcd://host:port[,host:port...][/prefix] (${EXAMPLE})`);
  const endpoints = m[1]!.split(',');
  for (const e of endpoints) {
    const hp = /^(\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(e);
    if (!hp || Number(hp[2]) > 65535) throw new SamsaError('CONFIG_INVALID', `etcd endpoint ${JSON.stringify(e)} in ${url} is not host:port (${EXAMPLE})`);
  }
  return { endpoints, prefix: (m[2] ?? '').replace(/\/+$/, '') };
}
