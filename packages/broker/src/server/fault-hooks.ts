/**
 * Test hooks on a broker's responses, per API key (DESIGN.md: the in-process cluster's hooks
 * that delay or drop requests). A hook runs after the handler did its work and before the
 * response is written, so a test can make a broker do a request's work and then not answer:
 * a leader that appended and replicated a produce, then died before acknowledging it.
 * Empty in production: one map lookup per request.
 */
/** Sees the response the handler produced (decoded form) and may hold it back. */
export type ResponseHook = (apiKey: number, response: unknown) => Promise<void> | void;

export class FaultHooks {
  private readonly beforeResponse = new Map<number, ResponseHook>();

  /** Runs `hook` before every response to `apiKey`; the response waits for it. */
  onResponse(apiKey: number, hook: ResponseHook): void {
    this.beforeResponse.set(apiKey, hook);
  }

  clear(apiKey?: number): void {
    if (apiKey === undefined) this.beforeResponse.clear();
    else this.beforeResponse.delete(apiKey);
  }

  /** Undefined (the usual case) or the wait a response to `apiKey` must go through. */
  before(apiKey: number, response: unknown): Promise<void> | void {
    return this.beforeResponse.get(apiKey)?.(apiKey, response);
  }
}
