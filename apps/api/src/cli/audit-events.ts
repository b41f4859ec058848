import { PurgeAuditEvents } from '../modules/identity/application/purge-audit-events';
import { EnvReader } from '../platform/config/env-reader';
import {
  CliContext,
  type CliIo,
  type CliOverrides,
  parseArgs,
  processIo,
  runCommand,
  UsageError,
} from './cli-context';

export const AUDIT_EVENTS_USAGE = `usage: pnpm audit-events <command>

  purge [--older-than <duration>] [--dry-run]
        delete audit events older than AUDIT_EVENTS_RETENTION (or --older-than, e.g. 400d; at
        least 30d), oldest first, and record the purge; --dry-run only counts them`;

/** A duration option (`400d`, `12h`, `3600`), parsed as the configuration parses durations. */
function durationOption(value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === true) throw new UsageError('--older-than needs a duration, e.g. 400d');
  const reader = new EnvReader({ older_than: value });
  const seconds = reader.seconds('older_than', 0, 1, 100 * 365 * 86_400);
  if (reader.problems.length > 0) throw new UsageError(`--${reader.problems[0]!.replace('_', '-')}`);
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
  if (!command || command === 'help') {
    io.out(AUDIT_EVENTS_USAGE);
    return command ? 0 : 2;
  }
  let context: CliContext | undefined;
  const exitCode = await runCommand(io, AUDIT_EVENTS_USAGE, async () => {
    if (command !== 'purge') throw new UsageError(`unknown command: ${command}`);
    const olderThanSeconds = durationOption(options.get('older-than'));
    const dryRun = options.has('dry-run');
    context = await CliContext.open(overrides, `pnpm audit-events ${command}`);
    const { cutoff, purged } = await context.get(PurgeAuditEvents).execute({ olderThanSeconds, dryRun });
    io.out(
      dryRun
        ? `${purged} audit event(s) occurred before ${cutoff.toISOString()} (dry run: nothing deleted)`
        : `purged ${purged} audit event(s) that occurred before ${cutoff.toISOString()}`,
    );
  });
  await context?.close();
  return exitCode;
}

if (require.main === module) {
  void runAuditEventsCli(process.argv.slice(2)).then((code) => process.exit(code));
}
