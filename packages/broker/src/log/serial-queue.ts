/**
 * The one-at-a-time queue every mutation of a partition log goes through. Items run in the
 * order they were queued. Appends are handed to `writeAppends` while they sit at the head,
 * so it can take several of them at once (one writev); it must remove from the queue each
 * append it settles. Tasks (roll, truncation, retention, close) run alone.
 */
export interface QueuedAppend {
  reject(e: unknown): void;
}

interface Task {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
}

type Item<A> = { append: A } | { task: Task };

export class SerialQueue<A extends QueuedAppend> {
  private readonly items: Array<Item<A>> = [];
  private draining = false;

  constructor(
    private readonly writeAppends: () => Promise<void>,
    private readonly onUnexpected: (e: unknown) => void,
  ) {}

  pushAppend(append: A): void {
    this.items.push({ append });
    this.kick();
  }

  /** Runs `run` after everything queued before it; resolves with its result. */
  run<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.items.push({ task: { run, resolve: resolve as (v: unknown) => void, reject } });
      this.kick();
    });
  }

  /** The append at the head of the queue, if the head is an append. */
  headAppend(): A | undefined {
    const head = this.items[0];
    return head && 'append' in head ? head.append : undefined;
  }

  /** Removes the head append (the caller settles it). */
  shiftAppend(): void {
    this.items.shift();
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.items.length > 0) {
        const head = this.items[0]!;
        if ('append' in head) {
          try {
            await this.writeAppends();
          } catch (e) {
            // writeAppends settles its own appends; never leave one hanging regardless.
            this.onUnexpected(e);
            if (this.items[0] === head) {
              this.items.shift();
              head.append.reject(e);
            }
          }
          continue;
        }
        this.items.shift();
        try {
          head.task.resolve(await head.task.run());
        } catch (e) {
          head.task.reject(e);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
