import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Abstract, INestApplicationContext } from '@nestjs/common';
import { monolithModules } from '../business-modules';
import { type ApiConfig, loadConfig } from '../api-config';
import {
  type CliIo,
  type CliOverrides,
  createLogger,
  type Database,
  environmentAtStart,
  openDatabase,
  runOperatorCommand,
} from '@latchkey/platform';
import { MIGRATION_PLAN } from '../paths';
import { operatorPlatformModules } from '@latchkey/platform-http';
import type { Clock } from '@latchkey/shared-kernel';

export {
  type CliIo,
  type CliOverrides,
  durationOption,
  parseArgs,
  processIo,
  runCommand,
  UsageError,
  wholeNumberOption,
} from '@latchkey/platform';

@Module({})
class CliModule {
  static register(config: ApiConfig, database: Database, clock?: Clock): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ...operatorPlatformModules({ config: config.platform, database, clock }),
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
    const config = loadConfig(overrides.env ?? (await environmentAtStart()));
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

/** One operator command of the monolith (runOperatorCommand), its context the monolith's wiring. */
export async function runCli(
  run: CliRun,
  work: (open: () => Promise<CliContext>, command: string) => Promise<void>,
): Promise<number> {
  return runOperatorCommand(
    run,
    () => CliContext.open(run.overrides, `pnpm ${run.tool} ${run.command}`),
    work,
  );
}
