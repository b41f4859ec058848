import { VoidPasswordResetLinks } from '@latchkey/identity';
import { GrantAdmin } from '@latchkey/user-profile';
import { type CliIo, type CliOverrides, parseArgs, processIo, runCli, UsageError } from './cli-context';

export const USERS_USAGE = `usage: pnpm users <command>

  grant-admin <email>         make the user an admin (the first admin, or any later one); audited
  void-reset-links <email>    make every password-reset link the user was sent unusable (a link
                              that may have leaked); sends nothing; audited`;

/**
 * `pnpm users …`. The first admin is made here, by whoever runs the server, never over HTTP: an
 * API that could grant the first admin role would grant it to whoever asked first.
 */
export async function runUsersCli(
  argv: string[],
  io: CliIo = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  const { positional } = parseArgs(argv);
  const [command, email] = positional;
  return runCli({ tool: 'users', usage: USERS_USAGE, command, io, overrides }, async (open) => {
    if (command === 'void-reset-links') {
      if (!email) throw new UsageError('users void-reset-links: <email> is required');
      const { voided } = await (await open()).get(VoidPasswordResetLinks).execute(email);
      io.out(`voided ${voided} unused password-reset link(s) of ${email}`);
      return;
    }
    if (command !== 'grant-admin') throw new UsageError(`unknown command: ${command}`);
    if (!email) throw new UsageError('users grant-admin: <email> is required');
    const { userId } = await (await open()).get(GrantAdmin).execute(email);
    io.out(`${email} (${userId}) is an admin`);
  });
}

if (require.main === module) {
  void runUsersCli(process.argv.slice(2)).then((code) => process.exit(code));
}
