/**
 * What every API handler looks like, and the context a request carries into it.
 */
import type { ConnectionInfo } from '../server/connection.js';
import type { BrokerServices } from '../broker-services.js';

export interface RequestHeaderInfo {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

export interface RequestContext {
  readonly header: RequestHeaderInfo;
  readonly conn: ConnectionInfo;
  readonly broker: BrokerServices;
  /** Runs `run` once the response has been written (or the connection failed): to release buffers it refers to. */
  afterResponse(run: () => void): void;
}

export interface Handler<Req = never, Res = unknown> {
  readonly apiKey: number;
  /** The versions we accept, and advertise in ApiVersions. */
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Set only where ApiVersions must list a lower minimum than we accept, for clients that
   * read the advertised range as a feature flag (Produce: see 00-produce.ts). A request
   * below minVersion still closes its connection.
   */
  readonly advertisedMinVersion?: number;
  /** Returns the response, or null when none is sent (Produce with acks=0). */
  handle(ctx: RequestContext, request: Req): Promise<Res | null>;
}

/** Lets a typed handler sit in the untyped registry. */
export function defineHandler<Req, Res>(h: Handler<Req, Res>): Handler<never, unknown> {
  return h as unknown as Handler<never, unknown>;
}
