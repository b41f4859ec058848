import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import {
  type CliIo,
  type CliOverrides,
  createLogger,
  type Database,
  environmentAtStart,
  openDatabase,
  parseArgs,
  processIo,
  requestContext,
  type RequestContext,
  runOperatorCommand,
  UsageError,
} from '@latchkey/platform';
import { GrantAdmin } from '@latchkey/user-profile';
import { USER_SERVICE_MIGRATIONS } from '../paths';
import { loadUserServiceConfig } from '../user-service-config';
import { UserServiceModule } from '../user-service.module';

export const USERS_USAGE = `usage: pnpm services:users <command>   (with the user service's configuration)

  grant-admin <email>         make the user an admin (the first admin, or any later one); audited
                              in the auth service's trail, published (UserRoleChanged), and in the
                              user's next access token at once`;

/** The user service's wiring without HTTP, relay or consumers, on its configuration and database. */
class UserServiceCliContext {
  private constructor(
    private readonly app: INestApplicationContext,
    private readonly database: Database,
    private readonly ownsDatabase: boolean,
  ) {}

  static async open(overrides: CliOverrides, command: string): Promise<UserServiceCliContext> {
    const config = loadUserServiceConfig(overrides.env ?? (await environmentAtStart()));
    const ownsDatabase = overrides.database === undefined;
    const database =
      overrides.database ?? (await openDatabase(config.platform.database, createLogger('warn'), command));
    if (ownsDatabase && config.platform.database.migrateOnStart)
      await database.migrate(USER_SERVICE_MIGRATIONS);
    const app = await NestFactory.createApplicationContext(
      UserServiceModule.register({ config, database, clock: overrides.clock, operator: true }),
      { logger: false, abortOnError: false },
    );
    return new UserServiceCliContext(app, database, ownsDatabase);
  }

  get<T>(type: new (...args: never[]) => T): T {
    return this.app.get(type, { strict: false });
  }

  async close(): Promise<void> {
    await this.app.close();
    if (this.ownsDatabase) await this.database.close();
  }
}

/**
 * Runs `work` as the user service runs a request: the claims it pushes to the auth service after
 * the change commits (ClaimsPush) and its audit record (AuditForwarder) are waited for before the
 * command reports, so the user's next login or refresh carries the new role and the trail shows
 * the grant, as after the monolith's `pnpm users grant-admin`. A record the auth service could not
 * take waits in the user service's table for the server's relay.
 */
async function asOperatorRequest<T>(work: () => Promise<T>): Promise<T> {
  const context: RequestContext = {
    requestId: randomUUID(),
    // A failed push is logged (the event brings the claims later) on stderr, beside the output.
    log: createLogger('warn', process.stderr),
    ip: '',
    userAgent: 'latchkey-cli',
    afterResponse: [],
    beforeResponse: [],
  };
  const result = await requestContext.run(context, work);
  await Promise.all(context.beforeResponse ?? []);
  return result;
}

/**
 * `pnpm services:users …`: the services deployment's `pnpm users grant-admin`. Roles are the user
 * service's, so the command runs there, with its configuration (database, internal key, the auth
 * service's URL), never over the public API.
 */
export async function runUserServiceUsersCli(
  argv: string[],
  io: CliIo = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  const { positional } = parseArgs(argv);
  const [command, email] = positional;
  return runOperatorCommand(
    { command, usage: USERS_USAGE, io },
    () => UserServiceCliContext.open(overrides, `pnpm services:users ${command}`),
    async (open) => {
      if (command !== 'grant-admin') throw new UsageError(`unknown command: ${command}`);
      if (!email) throw new UsageError('users grant-admin: <email> is required');
      const context = await open();
      const { userId } = await asOperatorRequest(() => context.get(GrantAdmin).execute(email));
      io.out(`${email} (${userId}) is an admin`);
    },
  );
}

if (require.main === module) {
  void runUserServiceUsersCli(process.argv.slice(2)).then((code) => process.exit(code));
}
