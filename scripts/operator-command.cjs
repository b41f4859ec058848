// `pnpm keys|sessions|users|audit-events|mail|events|services:users|services:auth …`: runs the built operator command, building the workspace first
// when it has not been built yet (a fresh clone), instead of failing with Node's stack trace.
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const CLI_DIR = path.resolve(__dirname, '..', 'apps', 'api', 'dist', 'cli');
const COMMANDS = ['keys', 'sessions', 'users', 'audit-events', 'mail', 'events', 'migrate'];

/** Builds with `build` when `file` is missing; says so on stderr first. */
function ensureBuilt(file, build, log = (line) => process.stderr.write(`${line}\n`)) {
  if (existsSync(file)) return;
  log(`${path.relative(process.cwd(), file)} is not built yet: running pnpm build first (about 10 s)…`);
  build();
  if (!existsSync(file)) throw new Error(`pnpm build did not produce ${file}`);
}

/**
 * The services deployment's operator commands: each runs in the service that owns what it changes,
 * with that service's variables; beside `pnpm start:services` (no INTERNAL_AUTH_KEYS set),
 * the ones start:services derives for it.
 */
const SERVICE_COMMANDS = {
  'services:users': { service: 'user-service', file: path.join('cli', 'users.js') },
};
/**
 * `pnpm services:auth <command> …`: identity's own commands (the monolith's, whose identity code is
 * the auth service's) with the auth service's variables and database. Its migrations are the auth
 * service's to apply (DB_MIGRATE_ON_START=false here: the monolith's plan would add user-profile's
 * tables), and the roles are not identity's: `users grant-admin` is `pnpm services:users`.
 */
const AUTH_COMMANDS = ['keys', 'sessions', 'audit-events', 'mail', 'events', 'users'];

/** The command file and arguments of `services:auth`, or a usage problem. */
function authCommand(args) {
  const [command, ...rest] = args;
  if (!AUTH_COMMANDS.includes(command))
    return { problem: `usage: pnpm services:auth ${AUTH_COMMANDS.join('|')} …` };
  if (command === 'users' && rest[0] !== 'void-reset-links')
    return {
      problem:
        "roles are the user service's in the services deployment: pnpm services:users grant-admin <email> (services:auth users has void-reset-links only)",
    };
  return { file: path.join(CLI_DIR, `${command}.js`), args: rest };
}

function serviceEnv(service) {
  if (process.env.INTERNAL_AUTH_KEYS || process.env.INTERNAL_AUTH_KEYS_FILE) return process.env;
  const { localServicesEnv } = require('./start-services.cjs');
  const { envs, problem } = localServicesEnv({ ...process.env });
  if (problem) throw new Error(problem);
  return envs[service];
}

function main(argv) {
  let [command, ...args] = argv;
  const owned = Object.hasOwn(SERVICE_COMMANDS, command) ? SERVICE_COMMANDS[command] : undefined;
  if (!COMMANDS.includes(command) && !owned && command !== 'services:auth') {
    process.stderr.write(
      `usage: node scripts/operator-command.cjs ${[...COMMANDS, ...Object.keys(SERVICE_COMMANDS), 'services:auth'].join('|')} …\n`,
    );
    return 2;
  }
  let file;
  if (command === 'services:auth') {
    const auth = authCommand(args);
    if (auth.problem) {
      process.stderr.write(`${auth.problem}\n`);
      return 2;
    }
    ({ file, args } = auth);
  } else {
    file = owned
      ? path.resolve(__dirname, '..', 'apps', owned.service, 'dist', owned.file)
      : path.join(CLI_DIR, `${command}.js`);
  }
  try {
    ensureBuilt(file, () =>
      execFileSync('pnpm', ['build'], {
        cwd: path.resolve(__dirname, '..'),
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
    );
  } catch (error) {
    process.stderr.write(`failed: ${error.message}\n`);
    return 1;
  }
  let env;
  try {
    if (command === 'services:auth') env = { ...serviceEnv('auth-service'), DB_MIGRATE_ON_START: 'false' };
    else env = owned ? serviceEnv(owned.service) : process.env;
  } catch (error) {
    process.stderr.write(`refused: ${error.message}\n`);
    return 1;
  }
  return spawnSync(process.execPath, [file, ...args], { stdio: 'inherit', env }).status ?? 1;
}

module.exports = { ensureBuilt };

if (require.main === module) process.exit(main(process.argv.slice(2)));
