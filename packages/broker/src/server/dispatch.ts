/**
 * bytes -> (apiKey, version) -> handler -> bytes. A request we cannot parse, or of an API or
 * version we do not speak, closes its connection with a logged reason (as Kafka does); the
 * one exception is ApiVersions, which answers an unknown version with version 0 of its body
 * and UNSUPPORTED_VERSION so the client can retry lower (KIP-511).
 */
import {
  ApiKey,
  ApiVersions,
  ErrorCode,
  Reader,
  SamsaError,
  Writer,
  apis,
  readRequestHeader,
  writeResponseHeader,
} from '@samsa/protocol';
import type { BrokerServices } from '../broker-services.js';
import type { Handler } from '../handlers/handler.js';
import type { ConnectionInfo, FrameHandler, Reply } from './connection.js';

export function frame(w: Writer): Buffer[] {
  const chunks = w.chunks();
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(w.length);
  return [size, ...chunks];
}

export function supportedApiKeys(handlers: ReadonlyMap<number, Handler>): ApiVersions.ApiVersionInput[] {
  return [...handlers.values()]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((h) => ({ apiKey: h.apiKey, minVersion: h.advertisedMinVersion ?? h.minVersion, maxVersion: h.maxVersion }));
}

export function makeDispatcher(handlers: ReadonlyMap<number, Handler>, broker: BrokerServices): FrameHandler {
  return async (bytes: Buffer, conn: ConnectionInfo): Promise<Reply> => {
    const r = new Reader(bytes);
    const header = readRequestHeader(r);
    const { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId } = header;
    const handler = handlers.get(apiKey);
    const api = apis.get(apiKey);
    if (!handler || !api) throw new SamsaError('UNSUPPORTED_VERSION', `unknown api key ${apiKey}`);
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === ApiKey.ApiVersions) {
        const w = new Writer();
        writeResponseHeader(w, apiKey, 0, correlationId);
        ApiVersions.encodeApiVersionsResponse(w, 0, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: supportedApiKeys(handlers) });
        return { chunks: frame(w) };
      }
      throw new SamsaError('UNSUPPORTED_VERSION', `${api.name} v${apiVersion} is outside the ${handler.minVersion}..${handler.maxVersion} we speak`);
    }
    const request = api.decodeRequest(r, apiVersion);
    const after: (() => void)[] = [];
    const written = (): void => {
      for (const run of after.splice(0)) run();
    };
    try {
      const response = await handler.handle(
        { header: { apiKey, apiVersion, correlationId, clientId: header.clientId }, conn, broker, afterResponse: (run) => after.push(run) },
        request as never,
      );
      const hold = broker.faults.before(apiKey, response);
      if (hold !== undefined) await hold;
      if (response === null) return { chunks: null, written };
      const w = new Writer(1024);
      writeResponseHeader(w, apiKey, apiVersion, correlationId);
      api.encodeResponse(w, apiVersion, response as never);
      return { chunks: frame(w), written };
    } catch (e) {
      written();
      throw e;
    }
  };
}
