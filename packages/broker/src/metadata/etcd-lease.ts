/**
 * A session lease on etcd. The etcd3 client keeps it alive in the background (a keep-alive
 * every TTL/3, as etcd's Go client does); this class adds the one thing a session needs
 * for fencing: `ended` resolves as soon as the lease may have expired on the server.
 *
 * The client only reports a loss when etcd says the lease is gone, or after twice the TTL
 * without contact. That is too late for fencing: once etcd has expired the lease, another
 * broker can take over keys we still think we own. etcd expires a lease TTL after the last
 * keep-alive it *received*, which is after we *sent* it; so we keep, for the last answered
 * keep-alive, the time it was sent, and end the session TTL after that unless a later
 * keep-alive is answered first. That errs towards ending early, never late.
 */
import type { Etcd3, Lease as ClientLease } from 'etcd3';
import type { Lease } from './store.js';

export class EtcdLease implements Lease {
  readonly ended: Promise<void>;
  private resolveEnded!: () => void;
  private isAlive = true;
  private watchdog: NodeJS.Timeout | undefined;
  /** Send times of the keep-alives not yet answered on the current stream, oldest first. */
  private unanswered: number[] = [];

  private constructor(
    readonly id: string,
    private readonly lease: ClientLease,
    private readonly ttlMs: number,
    sentAt: number,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    // Answers come in order on one stream; a new stream starts with nothing in flight.
    lease.on('keepaliveEstablished', () => (this.unanswered = []));
    lease.on('keepaliveFired', () => this.unanswered.push(Date.now()));
    lease.on('keepaliveSucceeded', () => {
      const at = this.unanswered.shift();
      if (at !== undefined) this.confirm(at);
    });
    lease.on('lost', () => this.end());
    this.confirm(sentAt);
  }

  /** Grants a lease of `ttlMs` rounded up to whole seconds (etcd's unit; at least 1 s). */
  static async grant(client: Etcd3, ttlMs: number): Promise<EtcdLease> {
    const ttlSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
    const sentAt = Date.now();
    const lease = client.lease(ttlSeconds);
    // 'lost' also fires when the grant fails; grant() then rejects with the reason.
    const id = await lease.grant();
    return new EtcdLease(id, lease, ttlSeconds * 1000, sentAt);
  }

  get alive(): boolean {
    return this.isAlive;
  }

  /** Deletes the lease and its keys on etcd; the session ends even when etcd cannot be told. */
  async revoke(): Promise<void> {
    if (!this.isAlive) return;
    try {
      await this.lease.revoke();
    } catch (e) {
      // Another broker's liveness probe may have revoked it already (a false "dead"): ended either way.
      if (!/lease not found|expired or revoked/.test((e as Error).message)) throw e;
    } finally {
      this.end();
    }
  }

  /** Stops keeping the lease alive without revoking it: etcd expires it after its TTL. */
  release(): void {
    this.end();
  }

  private confirm(sentAt: number): void {
    if (!this.isAlive) return;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.end(), Math.max(0, sentAt + this.ttlMs - Date.now()));
  }

  private end(): void {
    if (!this.isAlive) return;
    this.isAlive = false;
    clearTimeout(this.watchdog);
    this.lease.release();
    this.lease.removeAllListeners();
    this.resolveEnded();
  }
}
