/**
 * Hands out producer ids that never repeat, even across restarts and brokers: each broker
 * claims a block of ids from the metadata store with a compare-and-swap, and serves ids
 * from it until it runs out. A crash wastes the rest of a block, never reuses it.
 */
import { SamsaError } from '@samsa/protocol';
import type { MetadataStore } from '../metadata/store.js';

export const PRODUCER_IDS_KEY = '/producer_ids/next_block';
const BLOCK_SIZE = 1000;
const CAS_ATTEMPTS = 20;

export class ProducerIdManager {
  private next = 0n;
  private end = 0n;
  private claiming: Promise<void> | null = null;

  constructor(private readonly store: MetadataStore) {}

  async nextId(): Promise<bigint> {
    while (this.next >= this.end) {
      this.claiming ??= this.claimBlock().finally(() => (this.claiming = null));
      await this.claiming;
    }
    return this.next++;
  }

  private async claimBlock(): Promise<void> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.store.get(PRODUCER_IDS_KEY);
      const start = current ? BigInt(JSON.parse(current.value) as string) : 0n;
      const end = start + BigInt(BLOCK_SIZE);
      const r = await this.store.txn(
        [{ key: PRODUCER_IDS_KEY, modRevision: current?.modRevision ?? 0 }],
        [{ type: 'put', key: PRODUCER_IDS_KEY, value: JSON.stringify(end.toString()) }],
      );
      if (r.succeeded) {
        this.next = start;
        this.end = end;
        return;
      }
    }
    throw new SamsaError('INTERNAL', `could not claim a producer id block after ${CAS_ATTEMPTS} attempts`);
  }
}
