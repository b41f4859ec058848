import { EmailOutbox } from '@latchkey/platform-messaging';
import { Clock, NotFound } from '@latchkey/shared-kernel';
import {
  type CliIo,
  type CliOverrides,
  parseArgs,
  processIo,
  runCli,
  UsageError,
  wholeNumberOption,
} from './cli-context';

export const MAIL_USAGE = `usage: pnpm mail <command>

  list --to <email> [--limit <n>]   the newest emails to the address (default 20): when, what,
                                    delivery state, attempts, the relay's last error; never bodies
  retry <message-id>                send a waiting (queued or retrying) email now, not at its
                                    next backoff step`;

/** `pnpm mail …`: the email outbox, for "the mail never arrived" (docs/runbooks/password-reset.md). */
export async function runMailCli(
  argv: string[],
  io: CliIo = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  const { positional, options } = parseArgs(argv);
  const [command, id] = positional;
  return runCli({ tool: 'mail', usage: MAIL_USAGE, command, io, overrides }, async (open) => {
    if (command === 'list') {
      const to = options.get('to');
      if (typeof to !== 'string') throw new UsageError('mail list: --to <email> is required');
      const limit = wholeNumberOption('limit', options.get('limit')) ?? 20;
      if (limit < 1 || limit > 1000)
        throw new UsageError('mail list: --limit takes a whole number from 1 to 1000');
      const entries = await (await open()).get(EmailOutbox).recentFor(to, limit);
      io.out(
        ['id', 'created', 'kind', 'state', 'attempts', 'next attempt / settled', 'last error'].join('\t'),
      );
      for (const entry of entries) {
        io.out(
          [
            entry.id,
            entry.createdAt.toISOString(),
            entry.kind,
            entry.state,
            entry.attempts,
            (entry.settledAt ?? entry.nextAttemptAt).toISOString(),
            entry.lastError ?? '-',
          ].join('\t'),
        );
      }
      if (entries.length === 0) io.out(`(no email to ${to} in the outbox)`);
      return;
    }
    if (command === 'retry') {
      if (!id) throw new UsageError('mail retry: <message-id> is required');
      const context = await open();
      if (!(await context.get(EmailOutbox).retryNow(id, context.get(Clock).now()))) {
        throw new NotFound(`No waiting email ${id} (sent, failed for good, or unknown: see pnpm mail list)`);
      }
      io.out(`${id} is due now: the API sends it within MAIL_OUTBOX_POLL_MS`);
      return;
    }
    throw new UsageError(`unknown command: ${command}`);
  });
}

if (require.main === module) {
  void runMailCli(process.argv.slice(2)).then((code) => process.exit(code));
}
