import {
  createMissingDatabases,
  EnvReader,
  environmentAtStart,
  readPlatformConfig,
} from '@latchkey/platform';
import { type CliIo, type CliOverrides, processIo, runCommand, UsageError } from './cli-context';

const USAGE =
  'usage: node apps/api/dist/cli/create-databases.js <database>...   (creates those missing on DATABASE_URL’s server)';

/**
 * Creates the databases a deployment's services keep their tables in, on the server DATABASE_URL
 * names (connecting to its database, with its user: DATABASE_IAM_AUTH as everywhere else), the
 * ones that do not exist yet: the services deployment on AWS runs it once, as a one-off task,
 * before the auth and user services first start (docs/deploy-aws.md). Running it again creates
 * nothing.
 */
export async function runCreateDatabasesCli(
  argv: readonly string[],
  io: CliIo = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  return runCommand(io, USAGE, async () => {
    if (argv.length === 0) throw new UsageError('name at least one database');
    // Only the database's variables matter here (the task is given a service's environment).
    const read = new EnvReader(overrides.env ?? (await environmentAtStart()));
    const { database } = readPlatformConfig(read, { database: true, mail: false });
    const problems = read.problems.filter((problem) => problem.startsWith('DATABASE_'));
    if (problems.length > 0) throw new UsageError(problems.join('\n'));
    if (database.url === undefined)
      throw new UsageError('DATABASE_URL is not set: the embedded database has one database');
    const created = await createMissingDatabases({ url: database.url, iamAuth: database.iamAuth }, argv);
    for (const name of argv) io.out(`${name}: ${created.includes(name) ? 'created' : 'exists'}`);
  });
}

if (require.main === module) {
  void runCreateDatabasesCli(process.argv.slice(2)).then((code) => process.exit(code));
}
