/**
 * What librdkafka 2.0.2 (kcat, confluent-kafka-python) does differently against Samsa,
 * shared by both drivers.
 */
import type { Codec } from './driver.js';

/**
 * Codecs librdkafka would send uncompressed. It compresses lz4 only when the broker has its
 * "LZ4" feature, which it infers from FindCoordinator being listed in ApiVersions
 * (rdkafka_feature.c: LZ4 shipped with Kafka 0.8.2, as did the group coordinator); gzip and
 * snappy need Produce v0 listed. Samsa lists both, so nothing is sent uncompressed.
 */
export const LIBRDKAFKA_SENDS_UNCOMPRESSED: Partial<Record<Codec, string>> = {};
