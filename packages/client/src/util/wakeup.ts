/**
 * Waits that something else can cut short: poll() waits for fetched data, a rebalance to
 * run, an error or close(); a backoff waits for its time or for close(). Each wait owns one
 * timer, cleared when the wait ends either way, so nothing is left behind.
 */
interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout | null;
}

export class Wakeup {
  private readonly waiters = new Set<Waiter>();

  /** Resolves after `ms` or at the next notify(), whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const w: Waiter = { resolve, timer: null };
      if (ms !== Infinity) {
        w.timer = setTimeout(() => {
          this.waiters.delete(w);
          resolve();
        }, Math.max(0, ms));
      }
      this.waiters.add(w);
    });
  }

  /**
   * Waits for `p` to settle, at most `ms`, cut short by notify(); the timer is cleared as soon
   * as the wait ends, so a long timeout leaves nothing running. Rejections of `p` propagate.
   */
  async race(p: Promise<unknown>, ms: number): Promise<void> {
    let w: Waiter | null = null;
    const waited = new Promise<void>((resolve) => {
      w = { resolve, timer: null };
      if (ms !== Infinity) w.timer = setTimeout(resolve, Math.max(0, ms));
      this.waiters.add(w);
    });
    try {
      await Promise.race([p, waited]);
    } finally {
      const done = w as Waiter | null;
      if (done) {
        if (done.timer !== null) clearTimeout(done.timer);
        this.waiters.delete(done);
      }
    }
  }

  /** Ends every wait now. */
  notify(): void {
    for (const w of this.waiters) {
      if (w.timer !== null) clearTimeout(w.timer);
      w.resolve();
    }
    this.waiters.clear();
  }
}
