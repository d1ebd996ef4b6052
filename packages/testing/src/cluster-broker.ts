/**
 * One broker of the in-process cluster and the faults it can suffer. Each broker reaches
 * the cluster's shared store through its own StoreLink (the "network" to the store) and
 * keeps its coordinators' timers in a PausableTimers, so that:
 *
 *   stop()     graceful: leaderships move first (controlled shutdown), requests drain, logs close with clean-shutdown markers, the session
 *              lease is revoked at once (the controller reacts immediately)
 *   kill()     a crash: sockets reset, no markers, the link goes dead and the lease is left
 *              to expire by broker.session.timeout.ms, as a killed process's would
 *   pause()    a long GC pause: sockets stay open but nothing is read or answered, no
 *              keep-alives (the lease expires), no timers fire, store traffic is held;
 *              resume() lets everything through late and in order
 *   isolate()  cut off from the store and the other brokers: the link is held as in pause,
 *              so its lease expires and it hears nothing, but its clients still reach it and
 *              it keeps serving what it believes it leads (as a partitioned Kafka broker
 *              does until it notices); its fetchers stop and it serves no follower fetch
 *              (its PeerNetwork is cut, as pause() cuts it too); heal() reconnects it
 *   restart()  stop (or after kill) and start again on the same port and data directory
 */
import { Broker, buildBrokerConfig, PausableTimers, StoreLink, type EmbeddedMetadataStore, type Logger } from '@samsa/broker';

export type BrokerStatus = 'running' | 'paused' | 'isolated' | 'stopped' | 'killed';

export class ClusterBroker {
  status: BrokerStatus = 'stopped';
  private current: Broker | null = null;
  private link: StoreLink | null = null;
  private timers: PausableTimers | null = null;
  private boundPort = 0;

  constructor(
    readonly nodeId: number,
    private readonly store: EmbeddedMetadataStore,
    private readonly settings: ReadonlyMap<string, string>,
    readonly logDir: string,
    private readonly logger: Logger | undefined,
  ) {}

  /** The running broker; throws when it is stopped or killed. */
  get broker(): Broker {
    if (!this.current) throw new Error(`broker ${this.nodeId} is ${this.status}`);
    return this.current;
  }

  get port(): number {
    return this.boundPort;
  }

  get address(): string {
    return `127.0.0.1:${this.boundPort}`;
  }

  /** Whether other brokers can reach this one (false while isolated, paused or down). */
  get reachable(): boolean {
    return this.status === 'running';
  }

  async start(): Promise<void> {
    if (this.current) throw new Error(`broker ${this.nodeId} is already ${this.status}`);
    const settings = new Map(this.settings);
    settings.set('node.id', String(this.nodeId));
    settings.set('log.dir', this.logDir);
    // The first start picks a free port; restarts reuse it, as a restarted broker keeps its address.
    settings.set('listeners', `PLAINTEXT://127.0.0.1:${this.boundPort}`);
    const link = new StoreLink(this.store);
    const timers = new PausableTimers();
    const broker = await Broker.start({ config: buildBrokerConfig(settings), store: link, timers, ...(this.logger ? { logger: this.logger.child({ broker: this.nodeId }) } : {}) });
    this.current = broker;
    this.link = link;
    this.timers = timers;
    this.boundPort = broker.port;
    this.status = 'running';
  }

  /**
   * Graceful stop; with controlled.shutdown.enable (the default) the broker first has its
   * leaderships moved. `controlled: false` skips that (the cluster's teardown).
   */
  async stop(options: { controlled?: boolean } = {}): Promise<void> {
    const broker = this.current;
    if (!broker) return;
    if (this.status === 'paused' || this.status === 'isolated') this.resumeAll();
    this.current = null;
    await broker.stop(options);
    await this.link?.close();
    this.status = 'stopped';
  }

  async kill(): Promise<void> {
    const broker = this.current;
    if (!broker) return;
    this.current = null;
    this.link?.cut();
    this.timers?.resume();
    this.status = 'killed';
    await broker.kill();
  }

  pause(): void {
    if (this.status !== 'running') throw new Error(`cannot pause broker ${this.nodeId}: it is ${this.status}`);
    this.link!.stall();
    this.timers!.pause();
    this.current!.pauseNetwork();
    this.status = 'paused';
  }

  resume(): void {
    if (this.status !== 'paused') throw new Error(`cannot resume broker ${this.nodeId}: it is ${this.status}`);
    this.resumeAll();
  }

  isolate(): void {
    if (this.status !== 'running') throw new Error(`cannot isolate broker ${this.nodeId}: it is ${this.status}`);
    this.link!.stall();
    this.current!.isolatePeers();
    this.status = 'isolated';
  }

  heal(): void {
    if (this.status !== 'isolated') throw new Error(`cannot heal broker ${this.nodeId}: it is ${this.status}`);
    this.resumeAll();
  }

  /**
   * Cuts only the traffic between this broker and the other brokers: it keeps its store
   * session and its clients, but fetches neither way (a leader whose followers cannot reach
   * it, while the ISR still names them). restorePeers() ends it.
   */
  cutPeers(): void {
    this.broker.isolatePeers();
  }

  restorePeers(): void {
    this.broker.healPeers();
  }

  async restart(): Promise<void> {
    if (this.current) await this.stop();
    await this.start();
  }

  private resumeAll(): void {
    this.current?.healPeers();
    this.current?.resumeNetwork();
    this.timers?.resume();
    this.link?.restore();
    this.status = 'running';
  }
}
