/**
 * Group commit for fsync. request() resolves once an fsync that *started after the call*
 * has completed, which is what a caller whose write has already returned needs. While one
 * fsync runs, every request joins the next one, which starts as soon as the running one
 * ends: N appends that arrive during an fsync share one more fsync, not N.
 *
 * Interleaving, with appends A and B both written before they ask:
 *   A asks -> sync #1 starts (covers A)
 *   B asks while #1 runs -> B waits for #2 (#1 may have started before B's write landed)
 *   C asks while #1 runs -> C joins #2
 *   #1 ends -> #2 starts (covers B and C), A resolves
 *   #2 ends -> B and C resolve
 */
interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class GroupFlusher {
  private running: Promise<void> | null = null;
  private next: Deferred | null = null;
  /** fsync rounds started, for tests and metrics. */
  rounds = 0;

  /** `syncAll` must capture what it covers synchronously, before its first await. */
  constructor(private readonly syncAll: () => Promise<void>) {}

  request(): Promise<void> {
    if (!this.running) return this.start();
    this.next ??= deferred();
    return this.next.promise;
  }

  /** Resolves when no fsync is running or waiting (errors are the requesters' to see). */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  private start(): Promise<void> {
    this.rounds++;
    const round = (async () => this.syncAll())();
    this.running = round;
    const after = (): void => {
      this.running = null;
      const waiting = this.next;
      this.next = null;
      if (waiting) this.start().then(waiting.resolve, waiting.reject);
    };
    round.then(after, after);
    return round;
  }
}
