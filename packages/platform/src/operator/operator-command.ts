import { type Clock, DomainError } from '@latchkey/shared-kernel';
import { durationSeconds, type Env } from '../config/env-reader';
import type { Database } from '../database/database';
import { EmbeddedDatabaseInUse } from '../database/embedded-data-lock';

// The operator commands' shared frame (`pnpm keys …`, `pnpm users …`, and each service's own):
// where they write, how they read their arguments, and how a failure becomes an exit code.

/** Where a command writes; tests capture it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Tests run commands in-process against their own database and clock; the binaries pass nothing. */
export interface CliOverrides {
  env?: Env;
  database?: Database;
  clock?: Clock;
}

export class UsageError extends Error {}

/** A whole-number option (`--limit 20`); undefined when it was not given. */
export function wholeNumberOption(name: string, value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = value === true ? NaN : Number(value);
  if (!Number.isInteger(number)) throw new UsageError(`--${name} takes a whole number`);
  return number;
}

/** A duration option (`400d`, `12h`, `3600`), written as the configuration writes durations; undefined when not given. */
export function durationOption(
  name: string,
  value: string | true | undefined,
  example: string,
): number | undefined {
  if (value === undefined) return undefined;
  const seconds = value === true ? undefined : durationSeconds(value);
  if (seconds === undefined) throw new UsageError(`--${name} needs a duration, e.g. ${example}`);
  return seconds;
}

/** Runs a command; expected failures become a message and exit code 1, misuse exit code 2. */
export async function runCommand(io: CliIo, usage: string, command: () => Promise<void>): Promise<number> {
  try {
    await command();
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${usage}`);
      return 2;
    }
    if (error instanceof DomainError || error instanceof EmbeddedDatabaseInUse) {
      io.err(`refused: ${error.message}`);
      const details = error instanceof DomainError ? (error.details ?? []) : [];
      for (const detail of details) io.err(`  ${detail.field}: ${detail.message}`);
      return 1;
    }
    io.err(`failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/**
 * One operator command, the same way for every tool: `help` (or no command) prints the usage,
 * exit 0 when asked for and 2 when missing; otherwise `work` runs with the command as runCommand
 * runs it, opening its context (the process's wiring, without HTTP) when it calls `open`, which is
 * closed afterwards, whatever happened.
 */
export async function runOperatorCommand<Context extends { close(): Promise<void> }>(
  run: { command: string | undefined; usage: string; io: CliIo; help?: boolean },
  open: () => Promise<Context>,
  work: (open: () => Promise<Context>, command: string) => Promise<void>,
): Promise<number> {
  const { command, usage, io } = run;
  if (!command || command === 'help' || run.help) {
    io.out(usage);
    return command ? 0 : 2;
  }
  let context: Context | undefined;
  const exitCode = await runCommand(io, usage, () => work(async () => (context = await open()), command));
  await context?.close();
  return exitCode;
}

/** `--name value`, `--name=value` and boolean `--flag` options, and the positional arguments. */
export function parseArgs(
  argv: string[],
  booleanFlags: readonly string[] = [],
): { positional: string[]; options: Map<string, string | true> } {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const next = argv[i + 1];
    if (inline !== undefined) options.set(name, inline);
    else if (!booleanFlags.includes(name) && next !== undefined && !next.startsWith('--')) {
      options.set(name, next);
      i++;
    } else options.set(name, true);
  }
  return { positional, options };
}
