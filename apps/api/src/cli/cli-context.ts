import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Abstract, INestApplicationContext } from '@nestjs/common';
import { monolithModules } from '../business-modules';
import { type ApiConfig, loadConfig } from '../api-config';
import {
  BackgroundModule,
  CoreModule,
  createLogger,
  type Database,
  DatabaseModule,
  durationSeconds,
  EmbeddedDatabaseInUse,
  type Env,
  environmentWithDotEnv,
  openDatabase,
  RedisModule,
} from '@latchkey/platform';
import { MIGRATION_PLAN } from '../paths';
import { EventsModule, MailModule } from '@latchkey/platform-messaging';
import { RateLimitModule } from '@latchkey/platform-http';
import { type Clock, DomainError } from '@latchkey/shared-kernel';

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

@Module({})
class CliModule {
  static register(config: ApiConfig, database: Database, clock?: Clock): DynamicModule {
    return {
      module: CliModule,
      imports: [
        CoreModule.forRoot(config.platform, clock),
        DatabaseModule.forRoot(database),
        BackgroundModule,
        MailModule.forRoot({ deliver: false }),
        EventsModule.forRoot({ relay: false }),
        RedisModule,
        // The modules' controllers are not served here, but Nest still builds their guards.
        RateLimitModule,
        ...monolithModules(config, 'operator'),
      ],
    };
  }
}

export class CliContext {
  private constructor(
    private readonly app: INestApplicationContext,
    private readonly database: Database,
    private readonly ownsDatabase: boolean,
    readonly config: ApiConfig,
  ) {}

  /**
   * The same configuration, database and identity wiring as the server, without HTTP or jobs.
   * `command` names this process to a server refused the embedded database while it runs.
   */
  static async open(overrides: CliOverrides, command: string): Promise<CliContext> {
    const config = loadConfig(overrides.env ?? environmentWithDotEnv());
    const ownsDatabase = overrides.database === undefined;
    const database =
      overrides.database ?? (await openDatabase(config.platform.database, createLogger('warn'), command));
    if (ownsDatabase && config.platform.database.migrateOnStart) await database.migrate(MIGRATION_PLAN);
    const app = await NestFactory.createApplicationContext(
      CliModule.register(config, database, overrides.clock),
      {
        logger: false,
        abortOnError: false,
      },
    );
    return new CliContext(app, database, ownsDatabase, config);
  }

  get<T>(type: Type<T> | Abstract<T>): T {
    return this.app.get(type, { strict: false });
  }

  async close(): Promise<void> {
    await this.app.close();
    if (this.ownsDatabase) await this.database.close();
  }
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

export interface CliRun {
  /** `keys`, `sessions`, …: with the command, names this process (`pnpm keys add`). */
  tool: string;
  usage: string;
  command: string | undefined;
  io: CliIo;
  overrides: CliOverrides;
  /** `--help` was given. */
  help?: boolean;
}

/**
 * One operator command, the same way for every tool: `help` (or no command) prints the usage,
 * exit 0 when asked for and 2 when missing; otherwise `work` runs with the command as runCommand
 * runs it, opening the context when it calls `open`, which is closed afterwards, whatever happened.
 */
export async function runCli(
  run: CliRun,
  work: (open: () => Promise<CliContext>, command: string) => Promise<void>,
): Promise<number> {
  const { tool, usage, command, io, overrides } = run;
  if (!command || command === 'help' || run.help) {
    io.out(usage);
    return command ? 0 : 2;
  }
  let context: CliContext | undefined;
  const exitCode = await runCommand(io, usage, () =>
    work(async () => (context = await CliContext.open(overrides, `pnpm ${tool} ${command}`)), command),
  );
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
