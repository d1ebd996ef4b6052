/**
 * Request and response headers, and which header version goes with which API version.
 */
import type { Reader } from './codec/reader.js';
import type { Writer } from './codec/writer.js';
import { apis } from './generated/apis.js';
import { decodeRequestHeader, encodeRequestHeader, type RequestHeader } from './generated/messages/request-header.js';
import { decodeResponseHeader, encodeResponseHeader } from './generated/messages/response-header.js';
import { ApiKey } from './generated/apis.js';

function isFlexible(apiKey: number, apiVersion: number): boolean {
  const api = apis.get(apiKey);
  return api !== undefined && api.flexibleMinVersion >= 0 && apiVersion >= api.flexibleMinVersion;
}

/** Header v2 for flexible versions, else v1; ControlledShutdown v0 alone uses v0. */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  return isFlexible(apiKey, apiVersion) ? 2 : 1;
}

/**
 * Header v1 for flexible versions, else v0; ApiVersions responses always use v0, because
 * the client cannot yet know which versions the broker speaks (KIP-511).
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}

/**
 * Reads a request header. The api key and version come first in every header version, so
 * they are read before we know the header version; an unknown api key is read as header v1
 * (every client sends at least v1), which lets the broker answer it with an error.
 */
export function readRequestHeader(r: Reader): RequestHeader {
  const start = r.offset;
  const apiKey = r.int16();
  const apiVersion = r.int16();
  r.offset = start;
  return decodeRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
}

export function writeRequestHeader(
  w: Writer,
  h: { requestApiKey: number; requestApiVersion: number; correlationId: number; clientId: string | null },
): void {
  encodeRequestHeader(w, requestHeaderVersion(h.requestApiKey, h.requestApiVersion), h);
}

export function readResponseHeader(r: Reader, apiKey: number, apiVersion: number): { correlationId: number } {
  return decodeResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
}

export function writeResponseHeader(w: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  encodeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
}
