/**
 * Whether this broker can talk to the other brokers. Always up in a real process (a
 * network failure shows as failed connections); the in-process cluster takes it down while
 * a broker is paused or isolated, so its fetchers stop and its leaders stop serving
 * followers, as a process cut off from its peers would.
 */
export class PeerNetwork {
  private upValue = true;
  private waiters: Array<() => void> = [];

  get up(): boolean {
    return this.upValue;
  }

  cut(): void {
    this.upValue = false;
  }

  restore(): void {
    this.upValue = true;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when the network is up (at once if it is). */
  whenUp(): Promise<void> {
    return this.upValue ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
