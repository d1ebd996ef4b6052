/**
 * Where the cluster is: --bootstrap-server, else SAMSA_BOOTSTRAP, else 127.0.0.1:9092, as
 * Kafka's tools take it. Before a command talks to the cluster it opens a TCP connection to
 * each bootstrap address: the client itself would retry an unreachable broker until
 * default.api.timeout.ms (a minute), while a person at a terminal wants to hear at once that
 * nothing listens there (exit 3).
 */
import { connect } from 'node:net';
import { Admin, parseBootstrap, SamsaClientError, type BrokerAddress } from '@samsa/client';
import { UnreachableError, UsageError } from './errors.js';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';
/** socket.connection.setup.timeout.ms's default: how long one address may take to accept. */
const PROBE_TIMEOUT_MS = 10_000;

let resolved: string | undefined;

/** The bootstrap servers the running command uses, for error messages (undefined before a command resolves them). */
export function currentBootstrap(): string | undefined {
  return resolved;
}

export function resolveBootstrap(flag: string | undefined): string {
  const value = flag ?? (process.env.SAMSA_BOOTSTRAP || DEFAULT_BOOTSTRAP);
  try {
    parseBootstrap(value);
  } catch (e) {
    if (e instanceof SamsaClientError) throw new UsageError(`--bootstrap-server ${JSON.stringify(value)} must be host:port[,host:port...], e.g. --bootstrap-server 127.0.0.1:9092`);
    throw e;
  }
  resolved = value;
  return value;
}

function probe(address: BrokerAddress): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const done = (error: string | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    };
    const timer = setTimeout(() => done(`no answer within ${PROBE_TIMEOUT_MS} ms`), PROBE_TIMEOUT_MS);
    socket.once('connect', () => done(null));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

/** Resolves when at least one bootstrap address accepts a TCP connection; else UnreachableError (exit 3). */
export async function checkReachable(bootstrap: string): Promise<void> {
  const errors = await Promise.all(parseBootstrap(bootstrap).map(probe));
  if (errors.some((e) => e === null)) return;
  throw new UnreachableError(bootstrap, [...new Set(errors)].join(', '));
}

/** Runs `fn` with an admin client for the cluster, closing it afterwards whatever happens. */
export async function withAdmin<T>(bootstrap: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  await checkReachable(bootstrap);
  const admin = new Admin({ 'bootstrap.servers': bootstrap, 'client.id': 'samsa-cli' });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}
