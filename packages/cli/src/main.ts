/**
 * The `samsa` command. Each subcommand lives in commands/<verb>.ts. Errors a user can fix
 * print one line saying what is wrong and how to fix it, and exit non-zero.
 */
import { Command, CommanderError } from 'commander';
import { SamsaError } from '@samsa/protocol';
import { startCommand } from './commands/start.js';

export class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('samsa')
    .description('Samsa: a Kafka-compatible event streaming platform')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showSuggestionAfterError(true);
  program.addCommand(startCommand());
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed its message (and help for --help, exit code 0).
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError || (e instanceof SamsaError && e.code === 'CONFIG_INVALID')) {
      process.stderr.write(`samsa: ${e.message}\n`);
      return 2;
    }
    if (e instanceof SamsaError && e.code === 'METADATA_UNAVAILABLE') {
      // An operating error, not a bug: one line, no stack.
      process.stderr.write(`samsa: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`samsa: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
