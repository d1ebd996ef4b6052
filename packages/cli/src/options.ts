/**
 * Flags every client command shares (--bootstrap-server, --json), parsers for flag values
 * that fail with a usage error saying what a good value looks like, and the help examples.
 */
import { Command, InvalidArgumentError } from 'commander';
import { resolveBootstrap } from './bootstrap.js';
import { Output } from './output.js';

export interface ClientOptions {
  bootstrapServer?: string;
  json?: boolean;
}

/** A subcommand with --bootstrap-server and --json, and `examples` shown by --help. */
export function clientCommand(name: string, description: string, examples: readonly string[]): Command {
  return new Command(name)
    .description(description)
    .option('--bootstrap-server <host:port[,...]>', 'brokers to connect to (default: $SAMSA_BOOTSTRAP, else 127.0.0.1:9092)')
    .option('--json', 'print one JSON document on stdout, for scripts')
    .addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`);
}

/** The resolved bootstrap servers and the output of a client command. */
export function setup(opts: ClientOptions): { bootstrap: string; out: Output } {
  return { bootstrap: resolveBootstrap(opts.bootstrapServer), out: new Output(opts.json === true) };
}

/** A commander argParser for whole numbers in [min, max]. */
export function intArg(min: number, max = Number.MAX_SAFE_INTEGER, example = String(Math.max(min, 1))) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`it must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, e.g. ${example}`);
    }
    return n;
  };
}

/** Repeatable name=value flags (--config, --header), collected in order. */
export function pairArg(flag: string, example: string) {
  return (value: string, previous: Array<[string, string]> = []): Array<[string, string]> => {
    const at = value.indexOf('=');
    if (at <= 0) throw new InvalidArgumentError(`it must be name=value, e.g. ${flag} ${example}`);
    return [...previous, [value.slice(0, at), value.slice(at + 1)]];
  };
}

/** Repeatable plain flags (--delete-config k). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** One of a closed set of values. */
export function choiceArg<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`it must be one of ${choices.join(', ')}`);
    return value as T;
  };
}

/** A point in time as milliseconds since the epoch or an ISO-8601 date ("2024-05-01T12:00:00Z"). */
export function timeArg(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('it must be milliseconds since the epoch or an ISO-8601 time, e.g. 2024-05-01T12:00:00Z');
  return ms;
}

/** A command grouping subcommands (topics, groups, perf), with examples in its --help too. */
export function parentCommand(name: string, description: string, examples: readonly string[]): Command {
  return new Command(name).description(description).addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`);
}
