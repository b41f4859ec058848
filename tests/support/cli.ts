import { runAuditEventsCli } from '../../apps/api/src/cli/audit-events';
import { runEventsCli } from '../../apps/api/src/cli/events';
import { runKeysCli } from '../../apps/api/src/cli/keys';
import { runMailCli } from '../../apps/api/src/cli/mail';
import { runSessionsCli } from '../../apps/api/src/cli/sessions';
import { runUsersCli } from '../../apps/api/src/cli/users';
import { runUserServiceUsersCli } from '../../apps/user-service/src/cli/users';
import type { ServicesApp } from './services-app';
import type { TestApp } from './test-app';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

type Runner = typeof runKeysCli;

/**
 * Runs an operator command in-process, exactly as `pnpm keys …` / `pnpm sessions …` would, but
 * against the test app's configuration, database and clock.
 */
async function run(runner: Runner, app: TestApp, argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runner(
    argv,
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    { env: app.env, database: app.db.database, clock: app.clock },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

export const keys = (app: TestApp, ...argv: string[]) => run(runKeysCli, app, argv);
export const sessions = (app: TestApp, ...argv: string[]) => run(runSessionsCli, app, argv);
/**
 * `pnpm users …`. Against the services deployment, `grant-admin` is `pnpm services:users
 * grant-admin`, run with the user service's configuration and database (roles are the user
 * service's); `void-reset-links` is identity's, run as the monolith's command on the auth service's.
 */
export const users = (app: TestApp, ...argv: string[]) => {
  const { services } = app as TestApp & { services?: ServicesApp };
  if (services === undefined || argv[0] !== 'grant-admin') return run(runUsersCli, app, argv);
  return run(runUserServiceUsersCli, { ...app, env: services.userEnv, db: services.userDb }, argv);
};
export const auditEvents = (app: TestApp, ...argv: string[]) => run(runAuditEventsCli, app, argv);
export const mail = (app: TestApp, ...argv: string[]) => run(runMailCli, app, argv);
export const events = (app: TestApp, ...argv: string[]) => run(runEventsCli, app, argv);

/** `keys list --json`, parsed. */
export async function listKeys(app: TestApp): Promise<{ kid: string; state: string; source: string }[]> {
  const result = await keys(app, 'list', '--json');
  if (result.code !== 0) throw new Error(`keys list failed: ${result.err}`);
  return JSON.parse(result.out) as { kid: string; state: string; source: string }[];
}
