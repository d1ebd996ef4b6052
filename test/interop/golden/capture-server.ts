/**
 * A listening socket that records every request frame a real client sends, and answers
 * just enough (ApiVersions, Metadata, Produce, InitProducerId) for the client to get as far
 * as producing. The answers are built with our own encoders; the recorded bytes are what
 * the client wrote, untouched.
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  ApiKey,
  ApiVersions,
  InitProducerId,
  Metadata,
  Produce,
  Reader,
  Writer,
  readRequestHeader,
  writeResponseHeader,
} from '@samsa/protocol';

export interface CapturedRequest {
  apiKey: number;
  apiVersion: number;
  /** The frame without its int32 length prefix: header and body. */
  frame: Buffer;
}

/** The versions we offer while capturing: what Kafka 3.x brokers offer for these APIs. */
const OFFERED: ReadonlyArray<[number, number, number]> = [
  [ApiKey.Produce, 0, 9],
  [ApiKey.Fetch, 0, 13],
  [ApiKey.ListOffsets, 0, 7],
  [ApiKey.Metadata, 0, 12],
  [ApiKey.OffsetCommit, 0, 8],
  [ApiKey.OffsetFetch, 0, 8],
  [ApiKey.FindCoordinator, 0, 4],
  [ApiKey.JoinGroup, 0, 9],
  [ApiKey.Heartbeat, 0, 4],
  [ApiKey.LeaveGroup, 0, 5],
  [ApiKey.SyncGroup, 0, 5],
  [ApiKey.ApiVersions, 0, 3],
  [ApiKey.CreateTopics, 0, 7],
  [ApiKey.InitProducerId, 0, 4],
];

export class CaptureServer {
  readonly requests: CapturedRequest[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly topic: string) {
    this.server = createServer((socket) => this.serve(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    this.port = address.port;
    return this.port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (pending.length < 4 + size) break;
        const frame = Buffer.from(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
        this.answer(socket, frame);
      }
    });
  }

  private answer(socket: Socket, frame: Buffer): void {
    const r = new Reader(frame);
    const header = readRequestHeader(r);
    const { requestApiKey: apiKey, requestApiVersion: version, correlationId } = header;
    this.requests.push({ apiKey, apiVersion: version, frame });
    const w = new Writer();
    if (apiKey === ApiKey.ApiVersions) {
      const supported = version <= 3;
      writeResponseHeader(w, apiKey, version, correlationId);
      ApiVersions.encodeApiVersionsResponse(w, supported ? version : 0, {
        errorCode: supported ? 0 : 35,
        apiKeys: OFFERED.map(([k, min, max]) => ({ apiKey: k, minVersion: min, maxVersion: max })),
        throttleTimeMs: 0,
      });
    } else if (apiKey === ApiKey.Metadata) {
      const req = Metadata.decodeMetadataRequest(r, version);
      const names = req.topics === null || req.topics.length === 0 ? [this.topic] : req.topics.map((t) => t.name ?? '');
      writeResponseHeader(w, apiKey, version, correlationId);
      Metadata.encodeMetadataResponse(w, version, {
        brokers: [{ nodeId: 0, host: '127.0.0.1', port: this.port, rack: null }],
        clusterId: 'golden-capture',
        controllerId: 0,
        topics: names.map((name) => ({
          errorCode: 0,
          name,
          isInternal: false,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0], offlineReplicas: [] }],
        })),
      });
    } else if (apiKey === ApiKey.Produce) {
      const req = Produce.decodeProduceRequest(r, version);
      if (req.acks === 0) return;
      writeResponseHeader(w, apiKey, version, correlationId);
      Produce.encodeProduceResponse(w, version, {
        responses: req.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: 0, baseOffset: 0n })),
        })),
      });
    } else if (apiKey === ApiKey.InitProducerId) {
      writeResponseHeader(w, apiKey, version, correlationId);
      InitProducerId.encodeInitProducerIdResponse(w, version, { errorCode: 0, producerId: 1000n, producerEpoch: 0, throttleTimeMs: 0 });
    } else {
      // Not needed to capture a produce; closing tells the client we cannot help.
      socket.destroy();
      return;
    }
    const body = w.finish();
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    socket.write(Buffer.concat([size, body]));
  }
}
