/**
 * What librdkafka 2.0.2 (kcat, confluent-kafka-python) does differently against Samsa,
 * shared by both drivers.
 */
import type { Codec } from './driver.js';

/**
 * librdkafka compresses lz4 only when the broker has its "LZ4" feature, which it infers from
 * FindCoordinator being listed in ApiVersions (rdkafka_feature.c: LZ4 shipped with Kafka
 * 0.8.2, as did the group coordinator). Samsa has no group coordinator yet, so lz4 batches
 * go out uncompressed; they are still valid and round-trip.
 */
export const LIBRDKAFKA_SENDS_UNCOMPRESSED: Partial<Record<Codec, string>> = {
  lz4: 'librdkafka enables lz4 only when ApiVersions lists FindCoordinator (its LZ4 feature), and Samsa has no group coordinator yet',
};
