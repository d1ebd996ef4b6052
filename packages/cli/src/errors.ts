/**
 * The CLI's exit codes and the errors that carry them. Scripts branch on the code, people
 * read the one line on stderr, so every error a user can cause says what is wrong and what
 * to do about it. Documented in README.md ("CLI", exit codes).
 */
import { KafkaProtocolError, SamsaClientError } from '@samsa/client';

export const EXIT_OK = 0;
/** The operation failed: the broker said no, a record was not delivered, a topic or group does not exist. */
export const EXIT_FAILED = 1;
/** Bad usage: an unknown flag, a flag value that does not parse, a missing argument. */
export const EXIT_USAGE = 2;
/** No broker of --bootstrap-server could be reached. */
export const EXIT_UNREACHABLE = 3;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A flag or argument that cannot work: exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** The operation failed (the broker refused, a topic is missing): exit 1. */
export class FailedError extends CliError {
  constructor(message: string) {
    super(message, EXIT_FAILED);
  }
}

export class UnreachableError extends CliError {
  constructor(bootstrap: string, detail: string) {
    super(`cannot reach the cluster at ${bootstrap} (${detail}); start a broker with \`samsa start\` or point --bootstrap-server (or SAMSA_BOOTSTRAP) at a running one`, EXIT_UNREACHABLE);
  }
}

/** Connection failures from the client, also when they ended an admin call at its deadline. */
export function isConnectionFailure(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c instanceof SamsaClientError && depth < 5; c = c.cause, depth++) {
    if (c.code === 'CONNECTION_FAILED') return true;
    if (c.code !== 'API_TIMEOUT' && c.code !== 'METADATA_TIMEOUT') return false;
  }
  return false;
}

/** Turns what a command threw into one line and an exit code; unexpected errors keep their stack. */
export function describeFailure(e: unknown, bootstrap: string | undefined): { line: string; exitCode: number } {
  if (e instanceof CliError) return { line: e.message, exitCode: e.exitCode };
  if (isConnectionFailure(e)) {
    const u = new UnreachableError(bootstrap ?? 'the bootstrap servers', (e as Error).message);
    return { line: u.message, exitCode: u.exitCode };
  }
  if (e instanceof KafkaProtocolError) return { line: `the broker refused: ${e.message}`, exitCode: EXIT_FAILED };
  if (e instanceof SamsaClientError) {
    if (e.code === 'CONFIG_INVALID' || e.code === 'INVALID_ARGUMENT') return { line: e.message, exitCode: EXIT_USAGE };
    return { line: `${e.code}: ${e.message}`, exitCode: EXIT_FAILED };
  }
  return { line: (e as Error)?.stack ?? String(e), exitCode: EXIT_FAILED };
}

/** The message for a per-item error of the admin client, with advice where there is an obvious fix. */
export function itemErrorLine(kind: 'topic' | 'group', name: string, error: KafkaProtocolError): string {
  if (error.type === 'UNKNOWN_TOPIC_OR_PARTITION') return `topic ${JSON.stringify(name)} does not exist; \`samsa topics list\` shows the topics`;
  if (error.type === 'GROUP_ID_NOT_FOUND') return `group ${JSON.stringify(name)} does not exist; \`samsa groups list\` shows the groups`;
  if (error.type === 'TOPIC_ALREADY_EXISTS') return `topic ${JSON.stringify(name)} already exists (add --if-not-exists to accept that)`;
  return `${kind} ${JSON.stringify(name)}: the broker refused: ${error.message}`;
}

/** Throws FailedError (exit 1) naming every item that failed: one line for one, a line each for several. */
export function failOnItemErrors(kind: 'topic' | 'group', results: ReadonlyArray<{ name: string; error: KafkaProtocolError | null }>): void {
  const failed = results.filter((r) => r.error !== null);
  if (failed.length > 0) throw new FailedError(failed.map((r) => itemErrorLine(kind, r.name, r.error!)).join('\nsamsa: '));
}
