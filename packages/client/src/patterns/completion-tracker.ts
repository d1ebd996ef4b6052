/**
 * Which offsets of one partition are handled, when records finish out of order (several
 * workers): the committable offset is the lowest offset not yet handled, or one past the last
 * record when all are, so a commit never passes a record that is still queued or running and
 * a crash replays it instead of skipping it.
 *
 * Offsets arrive in increasing order but may have gaps (compacted topics, transaction
 * markers), so the tracker keeps the offsets it was given rather than assuming n, n+1, ...
 * Memory is proportional to the records added and not yet passed by the committable offset.
 */
export class CompletionTracker {
  /** Offsets added, in order; [head, length) are those the committable offset has not passed. */
  private offsets: number[] = [];
  private head = 0;
  private readonly done = new Set<number>();
  private lastAdded = -1;

  /** Whether `offset` can come next (false after the consumer's position went back, e.g. an offset reset). */
  accepts(offset: number): boolean {
    return offset > this.lastAdded;
  }

  add(offset: number): void {
    if (offset <= this.lastAdded) throw new RangeError(`offset ${offset} added after ${this.lastAdded}: a partition's records must arrive in offset order`);
    this.offsets.push(offset);
    this.lastAdded = offset;
  }

  complete(offset: number): void {
    this.done.add(offset);
    while (this.head < this.offsets.length && this.done.delete(this.offsets[this.head]!)) this.head++;
    // Drop the passed prefix now and then rather than shifting on every completion.
    if (this.head > 1024 && this.head * 2 > this.offsets.length) {
      this.offsets = this.offsets.slice(this.head);
      this.head = 0;
    }
  }

  /** Records added and not handled yet (or handled, but behind one that is not). */
  get pending(): number {
    return this.offsets.length - this.head;
  }

  /** The offset to commit (the next record to consume), or null before the first record. */
  get committable(): number | null {
    if (this.head < this.offsets.length) return this.offsets[this.head]!;
    return this.lastAdded >= 0 ? this.lastAdded + 1 : null;
  }
}
