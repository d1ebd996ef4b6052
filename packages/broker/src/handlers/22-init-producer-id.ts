import { ApiKey, ErrorCode, InitProducerId } from '@samsa/protocol';
import { defineHandler } from './handler.js';

/**
 * InitProducerId v0-5 for idempotent producers: a fresh producer id with epoch 0 on every
 * call, as Kafka does when there is no transactional id. Transactions are not supported yet.
 */
export const initProducerIdHandler = defineHandler<InitProducerId.InitProducerIdRequest, InitProducerId.InitProducerIdResponseInput>({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (req.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1n, producerEpoch: -1 };
    }
    const producerId = await ctx.broker.producerIds.nextId();
    return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0 };
  },
});
