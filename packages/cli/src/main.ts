/**
 * The `samsa` command. Each subcommand lives in commands/<verb>.ts. Errors a user can fix
 * print one line on stderr saying what is wrong and how to fix it; the exit code says which
 * kind of failure it was (errors.ts): 0 ok, 1 the operation failed, 2 bad usage, 3 the
 * cluster cannot be reached.
 */
import { Command, CommanderError } from 'commander';
import { SamsaError } from '@samsa/protocol';
import { currentBootstrap } from './bootstrap.js';
import { clusterCommand } from './commands/cluster.js';
import { consumeCommand } from './commands/consume.js';
import { doctorCommand } from './commands/doctor.js';
import { groupsCommand } from './commands/groups.js';
import { partitionsCommand } from './commands/partitions.js';
import { perfCommand } from './commands/perf.js';
import { produceCommand } from './commands/produce.js';
import { startCommand } from './commands/start.js';
import { topicsCommand } from './commands/topics.js';
import { describeFailure, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './errors.js';

export { UsageError } from './errors.js';

/** Commander's errors ("error: unknown option '--x'\n(Did you mean --y?)") as one line. */
function oneLine(text: string): string {
  return `samsa: ${text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()}; see --help\n`;
}

/** Every subcommand reports usage errors the same way and never exits the process itself. */
function configure(cmd: Command): void {
  cmd.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(oneLine(s)) }).showSuggestionAfterError(true);
  for (const sub of cmd.commands) configure(sub);
}

/** `samsa ... | head` closes stdout early: what is left to print has no reader, which is no error. */
function ignoreClosedStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

export async function main(argv: string[]): Promise<number> {
  ignoreClosedStdout();
  const program = new Command('samsa').description('Samsa: a Kafka-compatible event streaming platform').addHelpText(
    'after',
    `
Client commands take --bootstrap-server host:port[,...] (default: $SAMSA_BOOTSTRAP, else
127.0.0.1:9092) and --json. Exit codes: 0 ok, 1 the operation failed, 2 bad usage,
3 the cluster cannot be reached.

Examples:
  samsa start
  samsa topics create events --partitions 6
  echo 'user-1:hello' | samsa produce events --key-separator :
  samsa consume events --from-beginning --count 10
  samsa doctor`,
  );
  for (const c of [startCommand(), topicsCommand(), produceCommand(), consumeCommand(), groupsCommand(), partitionsCommand(), clusterCommand(), perfCommand(), doctorCommand()]) program.addCommand(c);
  configure(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed its message (and help for --help, exit code 0).
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof SamsaError && e.code === 'CONFIG_INVALID') {
      process.stderr.write(`samsa: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof SamsaError && e.code === 'METADATA_UNAVAILABLE') {
      // An operating error, not a bug: one line, no stack.
      process.stderr.write(`samsa: ${e.message}\n`);
      return EXIT_FAILED;
    }
    const { line, exitCode } = describeFailure(e, currentBootstrap());
    process.stderr.write(`samsa: ${line}\n`);
    return exitCode;
  }
}
