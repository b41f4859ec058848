import { PurgeAuditEvents } from '../modules/identity/application/purge-audit-events';
import { durationSeconds } from '../platform/config/env-reader';
import { type CliIo, type CliOverrides, parseArgs, processIo, runCli, UsageError } from './cli-context';

export const AUDIT_EVENTS_USAGE = `usage: pnpm audit-events <command>

  purge [--older-than <duration>] [--dry-run]
        delete audit events older than AUDIT_EVENTS_RETENTION (or --older-than, e.g. 400d; at
        least 30d), oldest first, and record the purge; --dry-run only counts them`;

/** A duration option (`400d`, `12h`, `3600`), written as the configuration writes durations. */
function durationOption(value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = value === true ? undefined : durationSeconds(value);
  if (seconds === undefined) throw new UsageError('--older-than needs a duration, e.g. 400d');
  return seconds;
}

/** `pnpm audit-events …`: the audit trail's retention, until a scheduled clean-up runs it. */
export async function runAuditEventsCli(
  argv: string[],
  io: CliIo = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  const { positional, options } = parseArgs(argv, ['dry-run']);
  const [command] = positional;
  const run = { tool: 'audit-events', usage: AUDIT_EVENTS_USAGE, command, io, overrides };
  return runCli(run, async (open) => {
    if (command !== 'purge') throw new UsageError(`unknown command: ${command}`);
    const olderThanSeconds = durationOption(options.get('older-than'));
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
