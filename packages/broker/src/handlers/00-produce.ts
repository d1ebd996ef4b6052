import { ApiKey, ErrorCode, Produce, SamsaError } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { leaderPartition, partitionErrorCode } from './partition-errors.js';
import { waitForReplication } from '../purgatory/delayed-produce.js';

/**
 * Produce v3-11 (v0-2 carry message formats 0/1, which we do not store). Partitions are
 * appended concurrently; the response waits for all. With acks=all each partition then
 * waits (purgatory/delayed-produce.ts) until its HW passes the append, up to timeoutMs. With acks=0 there is no response, and
 * a failure closes the connection, the only signal such a producer can get.
 *
 * ApiVersions nevertheless lists Produce from v0, as Kafka 4.0 does (KAFKA-18659):
 * librdkafka (2.0.2 in kcat and confluent-kafka here, and later releases too; librdkafka
 * issue #4956) compresses gzip, snappy and lz4 only for a broker whose Produce range
 * includes v0, and otherwise quietly sends those batches uncompressed. A v0-2 request
 * still closes its connection in the dispatcher.
 */
export const produceHandler = defineHandler<Produce.ProduceRequest, Produce.ProduceResponseInput>({
  apiKey: ApiKey.Produce,
  minVersion: 3,
  maxVersion: 11,
  advertisedMinVersion: 0,
  async handle(ctx, req) {
    const { broker } = ctx;
    const acks = req.acks;
    const invalidAcks = acks !== 0 && acks !== 1 && acks !== -1;
    const responses = await Promise.all(
      req.topicData.map(async (t) => ({
        name: t.name,
        partitionResponses: await Promise.all(
          t.partitionData.map(async (pd): Promise<Produce.PartitionProduceResponseInput> => {
            const base = { index: pd.index, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n };
            if (invalidAcks) return { ...base, errorCode: ErrorCode.INVALID_REQUIRED_ACKS, errorMessage: `acks must be -1, 0 or 1, not ${acks}` };
            const found = leaderPartition(broker, t.name, pd.index);
            if (!found.partition) return { ...base, errorCode: found.errorCode };
            if (pd.records === null || pd.records.length === 0) return { ...base, errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: 'no records' };
            try {
              const p = found.partition;
              const leaderEpoch = p.leaderEpoch;
              const r = await p.appendAsLeader(pd.records, acks);
              if (acks === -1) {
                const errorCode = await waitForReplication(p, r.lastOffset + 1, leaderEpoch, req.timeoutMs);
                if (errorCode !== 0) return { ...base, errorCode };
              }
              return {
                index: pd.index,
                errorCode: 0,
                baseOffset: BigInt(r.baseOffset),
                logAppendTimeMs: BigInt(r.logAppendTimeMs),
                logStartOffset: BigInt(r.logStartOffset),
              };
            } catch (e) {
              return { ...base, ...partitionErrorCode(broker, e, `${t.name}-${pd.index}`) };
            }
          }),
        ),
      })),
    );
    if (acks === 0) {
      const failed = responses.flatMap((t) => t.partitionResponses).find((p) => p.errorCode !== 0);
      if (failed) throw new SamsaError('INTERNAL', `acks=0 produce failed with error ${failed.errorCode}; closing the connection to tell the producer`);
      return null;
    }
    return { responses, throttleTimeMs: 0 };
  },
});
