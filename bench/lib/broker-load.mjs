/**
 * Protocol-level load against a running broker, for bench/broker.mjs: topic admin, closed-loop
 * produce throughput (pre-built batches, pipelined requests, a bounded number in flight per
 * connection), open-loop produce at a fixed rate for latency, and Fetch from offset 0 to the
 * end. Latency is measured from the moment a request is handed to the socket to the moment
 * its response is decoded, on this process's clock.
 */
import { ApiKey, buildRecordBatch } from '../../packages/protocol/dist/src/index.js';
import { cpuSecondsOf, machineBusySeconds, sampleRss, threadCpuOf } from './broker-process.mjs';
import { Histogram } from './histogram.mjs';
import { KafkaConnection, encodeBody } from './kafka-connection.mjs';

export const PRODUCE_VERSION = 9;
export const FETCH_VERSION = 12;
const METADATA_VERSION = 12;
const CREATE_TOPICS_VERSION = 7;
const DELETE_TOPICS_VERSION = 6;
const PRODUCE_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 60_000;
const TOPIC_READY_TIMEOUT_MS = 10_000;
/** A fixed-rate run stops sending while this much of its schedule is waiting for responses. */
const MAX_BACKLOG_MS = 500;

let seed = 0x5eed;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
function randomBytes(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (random() * 256) | 0;
  return b;
}

/**
 * A batch of as many `recordBytes`-byte values (null keys, as producer-perf-test sends) as
 * fit in `batchSize` bytes, or exactly `count` records when given.
 */
export function buildBatch({ recordBytes, batchSize = Infinity, count }) {
  const value = randomBytes(recordBytes);
  const baseTimestamp = Date.now();
  const make = (n) => buildRecordBatch({ baseOffset: 0n, baseTimestamp, records: Array.from({ length: n }, () => ({ key: null, value })) });
  if (count !== undefined) return { bytes: make(count), records: count };
  let n = Math.max(1, Math.floor(batchSize / (recordBytes + 8)));
  while (n > 1 && make(n).length > batchSize) n--;
  while (make(n + 1).length <= batchSize) n++;
  return { bytes: make(n), records: n };
}

export function produceBody(topic, partition, batch, acks) {
  return encodeBody(ApiKey.Produce, PRODUCE_VERSION, {
    transactionalId: null,
    acks,
    timeoutMs: PRODUCE_TIMEOUT_MS,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
}

/** The first partition error in a Produce response, null when every partition succeeded. */
function produceError(res) {
  for (const t of res.responses) for (const p of t.partitionResponses) if (p.errorCode !== 0) return `error code ${p.errorCode} ${p.errorMessage ?? ''}`.trim();
  return null;
}

export async function openConnections(port, count, clientId) {
  return Promise.all(Array.from({ length: count }, (_, i) => KafkaConnection.open(port, `${clientId}-${i}`)));
}

/** Creates a topic and waits until Metadata shows a leader for every partition. */
export async function createTopic(conn, name, partitions, configs = {}) {
  const res = await conn.request(ApiKey.CreateTopics, CREATE_TOPICS_VERSION, {
    timeoutMs: 10_000,
    validateOnly: false,
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
  });
  const t = res.topics[0];
  if (t.errorCode !== 0) throw new Error(`CreateTopics ${name}: error code ${t.errorCode} ${t.errorMessage ?? ''}`);
  const deadline = performance.now() + TOPIC_READY_TIMEOUT_MS;
  for (;;) {
    const md = await conn.request(ApiKey.Metadata, METADATA_VERSION, { topics: [{ name }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const topic = md.topics.find((x) => x.name === name);
    if (topic && topic.errorCode === 0 && topic.partitions.length === partitions && topic.partitions.every((p) => p.leaderId >= 0)) return;
    if (performance.now() > deadline) throw new Error(`topic ${name} had no leader for all ${partitions} partitions within ${TOPIC_READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function deleteTopic(conn, name) {
  const res = await conn.request(ApiKey.DeleteTopics, DELETE_TOPICS_VERSION, { topics: [{ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 10_000 });
  const r = res.responses[0];
  if (r.errorCode !== 0) throw new Error(`DeleteTopics ${name}: error code ${r.errorCode} ${r.errorMessage ?? ''}`);
}

/**
 * Over a window: the broker's CPU and this process's CPU (percent of one core), the CPU the
 * rest of the machine used meanwhile (other processes: the machine is shared, so this says
 * how much a figure was disturbed), and the broker's peak sampled RSS.
 */
export function watchBroker(pid) {
  const rss = sampleRss(pid);
  const cpu0 = cpuSecondsOf(pid);
  const self0 = process.cpuUsage();
  const machine0 = machineBusySeconds();
  const threads0 = threadCpuOf(pid);
  const t0 = performance.now();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const self = process.cpuUsage(self0);
    const brokerCpu = cpuSecondsOf(pid) - cpu0;
    const loadCpu = (self.user + self.system) / 1e6;
    const pct = (s) => Math.round((s / seconds) * 100);
    return {
      brokerCpuPct: pct(brokerCpu),
      loadCpuPct: pct(loadCpu),
      otherCpuPct: Math.max(0, pct(machineBusySeconds() - machine0 - brokerCpu - loadCpu)),
      brokerThreadsCpuPct: Object.fromEntries(Object.entries(threadCpuOf(pid)).map(([k, v]) => [k, pct(v - threads0[k])])),
      brokerPeakRssBytes: rss.stop(),
    };
  };
}

/**
 * Closed loop: each connection keeps `maxInFlight` Produce requests outstanding, each one
 * pre-built batch to the next partition in turn. Measures the `durationMs` after `warmupMs`
 * (responses arriving in the window count toward throughput; requests sent in it give the
 * latency), or runs until `totalBytes` of batches were acknowledged.
 */
export function produceClosedLoop({ conns, pid, topic, partitions, batch, acks, maxInFlight, warmupMs = 0, durationMs = Infinity, totalBytes = Infinity }) {
  const bodies = Array.from({ length: partitions }, (_, p) => produceBody(topic, p, batch.bytes, acks));
  const hist = new Histogram();
  let next = 0;
  let stopping = false;
  let sentBytes = 0;
  let ackedRequests = 0;
  let errors = 0;
  let firstError = null;
  let stopWatch = null;
  const t0 = performance.now();
  const windowStart = t0 + warmupMs;
  const windowEnd = windowStart + durationMs;
  let lastAckAt = windowStart;
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done || stopWatch === null || conns.some((c) => c.inFlight > 0)) return;
      done = true;
      clearTimeout(drainTimer);
      clearTimeout(stopTimer);
      // With totalBytes the window is open-ended and closes at the last acknowledgement.
      const seconds = ((windowEnd === Infinity ? lastAckAt : windowEnd) - windowStart) / 1000;
      const watched = stopWatch();
      resolve({ ...watched, seconds, requests: ackedRequests, records: ackedRequests * batch.records, batchBytes: ackedRequests * batch.bytes.length, errors, firstError, latency: hist.summary() });
    };
    const onResponse = (conn) => (err, res, sentAt) => {
      const now = performance.now();
      const error = err ? err.message : produceError(res);
      if (error) {
        // A failed produce makes the run's figures meaningless: stop and report it.
        errors++;
        firstError ??= error;
        stopping = true;
      } else if (now >= windowStart && now < windowEnd) {
        ackedRequests++;
        lastAckAt = now;
        if (sentAt >= windowStart) hist.recordMs(now - sentAt);
      }
      if (stopping) return finish();
      pump(conn);
    };
    const pump = (conn) => {
      while (!stopping && conn.inFlight < maxInFlight) {
        if (sentBytes >= totalBytes) return stop();
        conn.send(ApiKey.Produce, PRODUCE_VERSION, bodies[next++ % partitions], onResponse(conn));
        sentBytes += batch.bytes.length;
      }
    };
    const stop = () => {
      if (stopping) return;
      stopping = true;
      finish();
    };
    let drainTimer;
    if (warmupMs === 0) stopWatch = watchBroker(pid);
    else
      setTimeout(() => {
        stopWatch = watchBroker(pid);
        if (stopping) finish();
      }, Math.max(0, windowStart - performance.now()));
    const stopTimer = durationMs !== Infinity ? setTimeout(stop, windowEnd - t0) : null;
    drainTimer = setTimeout(() => {
      errors++;
      firstError ??= `requests still in flight ${DRAIN_TIMEOUT_MS} ms after the end`;
      for (const c of conns) c.close();
    }, (durationMs === Infinity ? 600_000 : warmupMs + durationMs) + DRAIN_TIMEOUT_MS);
    for (const c of conns) pump(c);
  });
}

/**
 * Open loop at a fixed rate on one connection: request k is due at k / requestsPerSec and is
 * sent on the first 1 ms timer tick at or after that (Node's timers), whatever is in flight,
 * unless MAX_BACKLOG_MS of requests are already waiting: then it is skipped and counted.
 * Latency is kept from the send and, separately, from the due time (which also counts any
 * delay in this process, so the generator's own lag cannot hide a slow broker).
 */
export function produceFixedRate({ conn, pid, topic, batch, acks, requestsPerSec, warmupMs, durationMs }) {
  const body = produceBody(topic, 0, batch.bytes, acks);
  const fromSend = new Histogram();
  const fromDue = new Histogram();
  const periodMs = 1000 / requestsPerSec;
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let firstError = null;
  let maxLagMs = 0;
  let skipped = 0;
  let stopWatch = null;
  const maxInFlight = Math.ceil(requestsPerSec * (MAX_BACKLOG_MS / 1000));
  const t0 = performance.now();
  const windowStart = t0 + warmupMs;
  const end = windowStart + durationMs;
  return new Promise((resolve) => {
    let stopping = false;
    const finish = () => {
      if (!stopping || conn.inFlight > 0) return;
      const watched = stopWatch();
      resolve({ ...watched, requestsPerSec, achievedRecordsPerSec: Math.round((acked * batch.records) / (durationMs / 1000)), skippedRequests: skipped, maxInFlight, errors, firstError, maxGeneratorLagMs: Math.round(maxLagMs * 1000) / 1000, latency: fromSend.summary(), latencyFromDue: fromDue.summary() });
    };
    const tick = () => {
      const now = performance.now();
      if (now >= end) {
        stopping = true;
        return finish();
      }
      if (stopWatch === null && now >= windowStart) stopWatch = watchBroker(pid);
      for (let due = t0 + sent * periodMs; due <= now; due = t0 + sent * periodMs) {
        const inWindow = due >= windowStart;
        sent++;
        if (conn.inFlight >= maxInFlight) {
          // The broker is this far behind: the request is dropped and counted, so the run
          // stays bounded, and the achieved rate shows the shortfall.
          if (inWindow) skipped++;
          continue;
        }
        if (inWindow) maxLagMs = Math.max(maxLagMs, now - due);
        conn.send(ApiKey.Produce, PRODUCE_VERSION, body, (err, res, sentAt) => {
          const at = performance.now();
          const error = err ? err.message : produceError(res);
          if (error) {
            errors++;
            firstError ??= error;
          } else if (inWindow) {
            acked++;
            fromSend.recordMs(at - sentAt);
            fromDue.recordMs(at - due);
          }
          finish();
        });
      }
      setTimeout(tick, 1);
    };
    tick();
  });
}

/** Complete batches in a Fetch response's records: their bytes, records and the next offset. */
function scanBatches(records, fetchOffset) {
  let position = 0;
  let bytes = 0;
  let count = 0;
  let nextOffset = fetchOffset;
  while (records && position + 12 <= records.length) {
    const size = 12 + records.readInt32BE(position + 8);
    if (position + size > records.length) break; // a partial batch at the end of the response
    const baseOffset = Number(records.readBigInt64BE(position));
    const lastOffsetDelta = records.readInt32BE(position + 23);
    if (baseOffset + lastOffsetDelta >= fetchOffset) count += records.readInt32BE(position + 57);
    nextOffset = Math.max(nextOffset, baseOffset + lastOffsetDelta + 1);
    bytes += size;
    position += size;
  }
  return { bytes, count, nextOffset };
}

/**
 * Fetches every partition from offset 0 to its high watermark: `conns.length` connections,
 * each one Fetch in flight for its share of the partitions (partition p on connection
 * p % conns.length), maxWaitMs 0. Counts the bytes of whole record batches received.
 */
export function fetchAll({ conns, pid, topic, partitions, fetchMaxBytes, partitionMaxBytes }) {
  const stopWatch = watchBroker(pid);
  const t0 = performance.now();
  let bytes = 0;
  let records = 0;
  let fetches = 0;
  return Promise.all(
    conns.map(
      (conn, c) =>
        new Promise((resolve, reject) => {
          const offsets = new Map();
          for (let p = c; p < partitions; p += conns.length) offsets.set(p, 0);
          const done = new Set();
          const fetchNext = () => {
            const wanted = [...offsets].filter(([p]) => !done.has(p));
            if (wanted.length === 0) return resolve();
            const body = encodeBody(ApiKey.Fetch, FETCH_VERSION, {
              replicaId: -1,
              maxWaitMs: 0,
              minBytes: 1,
              maxBytes: fetchMaxBytes,
              isolationLevel: 0,
              sessionId: 0,
              sessionEpoch: -1,
              topics: [{ topic, partitions: wanted.map(([partition, offset]) => ({ partition, fetchOffset: BigInt(offset), partitionMaxBytes })) }],
              forgottenTopicsData: [],
              rackId: '',
            });
            conn.send(ApiKey.Fetch, FETCH_VERSION, body, (err, res) => {
              if (err) return reject(err);
              if (res.errorCode !== 0) return reject(new Error(`Fetch: top-level error code ${res.errorCode}`));
              fetches++;
              for (const p of res.responses[0]?.partitions ?? []) {
                if (p.errorCode !== 0) return reject(new Error(`Fetch ${topic}-${p.partitionIndex}: error code ${p.errorCode}`));
                const from = offsets.get(p.partitionIndex);
                const scanned = scanBatches(p.records, from);
                bytes += scanned.bytes;
                records += scanned.count;
                offsets.set(p.partitionIndex, scanned.nextOffset);
                const hw = Number(p.highWatermark);
                if (scanned.nextOffset >= hw) done.add(p.partitionIndex);
                else if (scanned.nextOffset === from) return reject(new Error(`Fetch ${topic}-${p.partitionIndex} at ${from}: no progress below the high watermark ${hw}`));
              }
              fetchNext();
            }, { reuseFrame: true });
          };
          fetchNext();
        }),
    ),
  ).then(() => {
    const seconds = (performance.now() - t0) / 1000;
    return { ...stopWatch(), seconds, bytes, records, fetches, MBps: bytes / 1e6 / seconds };
  });
}
