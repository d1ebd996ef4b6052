/**
 * Time, injected so tests can drive it by hand. `now()` is wall-clock ms (timestamps that
 * leave the broker); `monotonic()` is for measuring intervals and deadlines.
 */
export interface Clock {
  now(): number;
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(private ms = 1_700_000_000_000) {}

  now(): number {
    return this.ms;
  }

  monotonic(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
