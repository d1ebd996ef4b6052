/**
 * A child process that uses a metadata store, for the store contract tests:
 *   hold <store> <key>   grants a lease (2 s TTL), puts <key> bound to it, prints "ready",
 *                        and keeps the lease alive until it is killed
 *   close <store>        grants a lease, watches, closes the store and prints "closed"; the
 *                        process must then exit by itself (close left no timer or socket)
 * <store> is "embedded" (in memory) or an etcd://host:port[/prefix] address.
 */
import { EmbeddedMetadataStore, EtcdMetadataStore, parseEtcdUrl, type MetadataStore } from '@samsa/broker';

const HOLD_TTL_MS = 2_000;

async function open(address: string): Promise<MetadataStore> {
  if (address === 'embedded') return EmbeddedMetadataStore.open(null);
  const { endpoints, prefix } = parseEtcdUrl(address);
  return EtcdMetadataStore.connect({ endpoints, prefix, connectTimeoutMs: 5_000 });
}

async function main(): Promise<void> {
  const [mode, address, key] = process.argv.slice(2);
  const store = await open(address!);
  if (mode === 'hold') {
    const lease = await store.grantLease(HOLD_TTL_MS);
    await store.put(key!, 'held', lease);
    process.stdout.write('ready\n');
    // Keep-alives run in the background; this timer only keeps the process up.
    setInterval(() => undefined, 60_000);
    return;
  }
  await store.grantLease(HOLD_TTL_MS);
  store.watch('/', () => undefined);
  await store.close();
  process.stdout.write('closed\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
