/**
 * Runs one real client against a capture server and returns the frames it sent.
 */
import { CaptureServer, type CapturedRequest } from './capture-server.js';
import { CLIENTS, TOPIC, type ClientName, type Codec } from './clients.js';

export async function capture(client: ClientName, codec: Codec): Promise<CapturedRequest[]> {
  const server = new CaptureServer(TOPIC);
  const port = await server.listen();
  try {
    await CLIENTS[client](port, codec);
  } finally {
    await server.close();
  }
  return server.requests;
}

/** The fixture file format: one per (client, codec). */
export interface GoldenFile {
  client: ClientName;
  codec: Codec;
  expect: { topic: string; records: ReadonlyArray<{ key: string | null; value: string | null }>; header: { key: string; value: string } };
  requests: Array<{ apiKey: number; apiVersion: number; frame: string /* hex */ }>;
}
