/**
 * Timers, injected like the clock so coordinator logic can be driven by hand in tests.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  after(ms: number, fn: () => void): TimerHandle;
}

export const systemTimers: Timers = {
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** Timers that fire only when `advance` moves time past them, in deadline order. */
export class ManualTimers implements Timers {
  private now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  after(ms: number, fn: () => void): TimerHandle {
    const id = this.seq++;
    this.pending.set(id, { at: this.now + ms, fn });
    return { cancel: () => this.pending.delete(id) };
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.pending) if (e[1].at <= target && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = target;
  }
}

/**
 * System timers that can be frozen, for the in-process cluster's pause(): a timer due while
 * paused fires only on resume, late, as every timer of a process in a long GC pause does.
 */
export class PausableTimers implements Timers {
  private paused = false;
  private readonly due = new Set<() => void>();

  after(ms: number, fn: () => void): TimerHandle {
    let cancelled = false;
    const fire = (): void => {
      if (cancelled) return;
      if (this.paused) this.due.add(fire);
      else fn();
    };
    const handle = systemTimers.after(ms, fire);
    return {
      cancel: () => {
        cancelled = true;
        this.due.delete(fire);
        handle.cancel();
      },
    };
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const due = [...this.due];
    this.due.clear();
    for (const fire of due) fire();
  }
}
