import { ListSessionsOfUser } from '../modules/identity/application/list-sessions-of-user';
import {
  type OperatorRevocation,
  RevokeSessionsAsOperator,
} from '../modules/identity/application/revoke-sessions-as-operator';
import {
  CliContext,
  type CliIo,
  type CliOverrides,
  parseArgs,
  processIo,
  runCommand,
  UsageError,
} from './cli-context';

export const SESSIONS_USAGE = `usage: pnpm sessions <command>

  list --user <email>                the user's active sessions
  revoke --user <email>              end every session of the user
  revoke --session <session-id>      end one session (one refresh-token chain)`;

/** `pnpm sessions …`: the session-revocation runbook's commands. */
export async function runSessionsCli(
  argv: string[],
  io: CliIo = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  const { positional, options } = parseArgs(argv);
  const [command] = positional;
  if (!command || command === 'help') {
    io.out(SESSIONS_USAGE);
    return command ? 0 : 2;
  }
  const user = options.get('user');
  const session = options.get('session');

  let context: CliContext | undefined;
  const exitCode = await runCommand(io, SESSIONS_USAGE, async () => {
    if (command === 'list') {
      if (typeof user !== 'string') throw new UsageError('sessions list: --user <email> is required');
      context = await CliContext.open(overrides);
      const sessions = await context.get(ListSessionsOfUser).execute(user);
      io.out(['id', 'created', 'last used', 'expires', 'device', 'ip', 'user agent'].join('\t'));
      for (const s of sessions) {
        io.out(
          [
            s.id,
            s.createdAt,
            s.lastUsedAt,
            s.expiresAt,
            s.deviceId ?? '-',
            s.ip ?? '-',
            s.userAgent ?? '-',
          ].join('\t'),
        );
      }
      return;
    }
    if (command === 'revoke') {
      let target: OperatorRevocation;
      if (typeof user === 'string' && session === undefined) target = { email: user };
      else if (typeof session === 'string' && user === undefined) target = { sessionId: session };
      else throw new UsageError('sessions revoke: give either --user <email> or --session <id>');
      context = await CliContext.open(overrides);
      const { revoked } = await context.get(RevokeSessionsAsOperator).execute(target);
      io.out(`revoked ${revoked.length} session(s)${revoked.length ? `: ${revoked.join(', ')}` : ''}`);
      return;
    }
    throw new UsageError(`unknown command: ${command}`);
  });
  await context?.close();
  return exitCode;
}

if (require.main === module) {
  void runSessionsCli(process.argv.slice(2)).then((code) => process.exit(code));
}
