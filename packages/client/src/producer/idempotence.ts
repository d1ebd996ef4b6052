/**
 * The idempotent producer's identity: a producer id and epoch from InitProducerId. The
 * broker keeps the last five batches' sequences per (producer id, partition), so a retried
 * batch is written once and in order. When sequences can no longer be trusted (a batch
 * failed after it may have been written, the broker lost our state: OUT_OF_ORDER_SEQUENCE_NUMBER
 * or UNKNOWN_PRODUCER_ID on the next expected batch), the producer takes a new epoch and
 * every partition starts again at sequence 0 (Kafka's KIP-360 rules for idempotent-only producers).
 */
import { ApiKey, type InitProducerId } from '@samsa/protocol';
import type { BrokerPool } from '../connection/broker-pool.js';
import { KafkaProtocolError } from '../errors.js';

/** Kafka's idempotent producer sends Integer.MAX_VALUE: no transaction, so no timeout. */
const NO_TRANSACTION_TIMEOUT_MS = 2147483647;

export class ProducerIdentity {
  producerId = -1n;
  producerEpoch = -1;
  /** True until InitProducerId has answered, and again after a reset is asked for. */
  needsInit = true;
  inProgress = false;
  failures = 0;
  retryAtMs = 0;

  requestReset(): void {
    this.needsInit = true;
  }

  /**
   * InitProducerId on any broker. With v3+ the current id and epoch are sent, so a broker
   * that supports it bumps the epoch of the same id; otherwise a new id is handed out.
   */
  async init(pool: BrokerPool, timeoutMs: number): Promise<void> {
    const conn = await pool.any();
    const res = await conn.request<InitProducerId.InitProducerIdResponse>(
      ApiKey.InitProducerId,
      {
        transactionalId: null,
        transactionTimeoutMs: NO_TRANSACTION_TIMEOUT_MS,
        ...(conn.version(ApiKey.InitProducerId) >= 3 ? { producerId: this.producerId, producerEpoch: this.producerEpoch } : {}),
      },
      timeoutMs,
    );
    if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, 'InitProducerId');
    this.producerId = res.producerId;
    this.producerEpoch = res.producerEpoch;
    this.needsInit = false;
    this.failures = 0;
  }
}
