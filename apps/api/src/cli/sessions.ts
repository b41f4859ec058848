import {
  ListSessionsOfUser,
  type OperatorRevocation,
  RevokeAllSessionsAsOperator,
  RevokeSessionsAsOperator,
} from '@latchkey/identity';
import { type CliIo, type CliOverrides, parseArgs, processIo, runCli, UsageError } from './cli-context';

export const SESSIONS_USAGE = `usage: pnpm sessions <command>

  list --user <email>                the user's active sessions
  revoke --user <email>              end every session of the user
  revoke --session <session-id>      end one session (one refresh-token chain)
  revoke --all                       end every session of every user`;

/** `pnpm sessions …`: the session-revocation runbook's commands. */
export async function runSessionsCli(
  argv: string[],
  io: CliIo = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  const { positional, options } = parseArgs(argv, ['all']);
  const [command] = positional;
  const user = options.get('user');
  const session = options.get('session');

  return runCli({ tool: 'sessions', usage: SESSIONS_USAGE, command, io, overrides }, async (open) => {
    if (command === 'list') {
      if (typeof user !== 'string') throw new UsageError('sessions list: --user <email> is required');
      const sessions = await (await open()).get(ListSessionsOfUser).execute(user);
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
    if (command === 'revoke' && options.has('all')) {
      if (options.get('all') !== true || user !== undefined || session !== undefined) {
        throw new UsageError('sessions revoke --all: takes no value and no other option');
      }
      const { revoked } = await (await open()).get(RevokeAllSessionsAsOperator).execute();
      io.out(`revoked ${revoked} session(s)`);
      return;
    }
    if (command === 'revoke') {
      let target: OperatorRevocation;
      if (typeof user === 'string' && session === undefined) target = { email: user };
      else if (typeof session === 'string' && user === undefined) target = { sessionId: session };
      else throw new UsageError('sessions revoke: give one of --user <email>, --session <id>, --all');
      const { revoked } = await (await open()).get(RevokeSessionsAsOperator).execute(target);
      io.out(`revoked ${revoked.length} session(s)${revoked.length ? `: ${revoked.join(', ')}` : ''}`);
      return;
    }
    throw new UsageError(`unknown command: ${command}`);
  });
}

if (require.main === module) {
  void runSessionsCli(process.argv.slice(2)).then((code) => process.exit(code));
}
