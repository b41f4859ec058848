import { ListAuditEvents, PurgeAuditEvents } from '@latchkey/identity';
import {
  type CliIo,
  type CliOverrides,
  durationOption,
  parseArgs,
  processIo,
  runCli,
  UsageError,
  wholeNumberOption,
} from './cli-context';

export const AUDIT_EVENTS_USAGE = `usage: pnpm audit-events <command>

  list --email <address> [--since <duration>] [--type <Type>[,<Type>…]] [--limit <n>]
        the newest events (default 50) of the address's account, and those naming the address
        (failed logins, reset requests), over the last 7 days (or --since, e.g. 30d); one JSON
        object per line
  purge [--older-than <duration>] [--dry-run]
        delete audit events older than AUDIT_EVENTS_RETENTION (or --older-than, e.g. 400d; at
        least 30d), oldest first, and record the purge; --dry-run only counts them`;

/** `pnpm audit-events …`: reading the audit trail for an address, and its retention. */
export async function runAuditEventsCli(
  argv: string[],
  io: CliIo = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  const { positional, options } = parseArgs(argv, ['dry-run']);
  const [command] = positional;
  const run = { tool: 'audit-events', usage: AUDIT_EVENTS_USAGE, command, io, overrides };
  return runCli(run, async (open) => {
    if (command === 'list') {
      const email = options.get('email');
      if (typeof email !== 'string') throw new UsageError('audit-events list: --email <address> is required');
      const type = options.get('type');
      const { events } = await (await open()).get(ListAuditEvents).execute({
        email,
        sinceSeconds: durationOption('since', options.get('since'), '30d'),
        types: typeof type === 'string' ? type.split(',').filter(Boolean) : [],
        limit: wholeNumberOption('limit', options.get('limit')),
      });
      for (const event of events) io.out(JSON.stringify(event));
      if (events.length === 0) io.out(`(no events for ${email} in that window)`);
      return;
    }
    if (command !== 'purge') throw new UsageError(`unknown command: ${command}`);
    const olderThanSeconds = durationOption('older-than', options.get('older-than'), '400d');
    const dryRun = options.has('dry-run');
    const { cutoff, purged } = await (
      await open()
    )
      .get(PurgeAuditEvents)
      .execute({ olderThanSeconds, dryRun });
    io.out(
      dryRun
        ? `${purged} audit event(s) occurred before ${cutoff.toISOString()} (dry run: nothing deleted)`
        : `purged ${purged} audit event(s) that occurred before ${cutoff.toISOString()}`,
    );
  });
}

if (require.main === module) {
  void runAuditEventsCli(process.argv.slice(2)).then((code) => process.exit(code));
}
