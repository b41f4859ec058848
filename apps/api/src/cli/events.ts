import { EVENT_CATALOG } from '@latchkey/contracts';
import { DeadLetterQueue, EventOutbox, type ParkedSelection } from '@latchkey/platform-messaging';
import { Clock } from '@latchkey/shared-kernel';
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

export const EVENTS_USAGE = `usage: pnpm events <command>

  list [--type <Type>[,<Type>…]] [--user <user-id>] [--since <duration>] [--limit <n>]
        the events written since 24h ago (or --since, e.g. 7d), oldest first, from the outbox:
        each envelope with its delivery state, attempts and last error; one JSON object per line
  replay --since <duration> [--type <Type>[,<Type>…]] [--user <user-id>]
        publish the published events of that window again, in their order (for a consumer that
        lost its data; every consumer skips the ids it has processed)
  dlq list <queue> [--limit <n>] [--json]
        the messages parked in <queue>.dlq: event id, type, attempts and the handler's error
  dlq requeue <queue> (--id <event-id> | --all)
        send parked messages back to <queue>, their attempts reset (once the consumer is fixed)
  dlq drop <queue> (--id <event-id> | --all)
        delete parked messages for good

  Types are names (UserRegistered) or full types (latchkey.identity.user.registered.v1);
  docs/events.md lists them. The dlq commands talk to the broker at AMQP_URL.`;

/** `--type UserRegistered,latchkey.identity.user.deleted.v1` as full types; unknown ones refused. */
function typesOption(value: string | true | undefined): string[] {
  if (value === undefined) return [];
  if (value === true) throw new UsageError('--type needs a type, e.g. UserRegistered');
  return value
    .split(',')
    .filter(Boolean)
    .map((given) => {
      const definition = EVENT_CATALOG.find((event) => event.name === given || event.type === given);
      if (!definition) throw new UsageError(`unknown event type: ${given} (docs/events.md lists them)`);
      return definition.type;
    });
}

function userOption(value: string | true | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === true || !/^[0-9a-f-]{36}$/i.test(value)) {
    throw new UsageError('--user takes a user id (pnpm audit-events list --email <address> shows it)');
  }
  return value.toLowerCase();
}

function selectionOf(options: Map<string, string | true>, command: string): ParkedSelection {
  const id = options.get('id');
  if (typeof id === 'string') return { eventId: id };
  if (options.has('all')) return { all: true };
  throw new UsageError(`events dlq ${command}: --id <event-id> or --all is required`);
}

/** `pnpm events …`: the event outbox (list, replay) and consumers' dead-letter queues. */
export async function runEventsCli(
  argv: string[],
  io: CliIo = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  const { positional, options } = parseArgs(argv, ['all', 'json']);
  const [command, subcommand, queue] = positional;
  const run = { tool: 'events', usage: EVENTS_USAGE, command, io, overrides };
  return runCli(run, async (open) => {
    if (command === 'list' || command === 'replay') {
      const types = typesOption(options.get('type'));
      const subject = userOption(options.get('user'));
      const context = await open();
      const now = context.get(Clock).now();
      const outbox = context.get(EventOutbox);
      if (command === 'list') {
        const since = new Date(
          now.getTime() - (durationOption('since', options.get('since'), '24h or 7d') ?? 24 * 3600) * 1000,
        );
        const limit = wholeNumberOption('limit', options.get('limit')) ?? 100;
        if (limit < 1 || limit > 10_000) throw new UsageError('events list: --limit takes 1 to 10000');
        const entries = await outbox.list({ since, types, subject, limit });
        for (const entry of entries) {
          const { state, attempts, lastError } = entry;
          io.out(JSON.stringify({ ...entry.envelope, delivery: { state, attempts, lastError } }));
        }
        if (entries.length === 0) io.out('(no events in that window)');
        return;
      }
      if (!options.has('since')) throw new UsageError('events replay: --since <duration> is required');
      const since = new Date(
        now.getTime() - durationOption('since', options.get('since'), '24h or 7d')! * 1000,
      );
      const replayed = await outbox.replay({ since, types, subject }, now);
      io.out(
        `queued ${replayed} published event(s) since ${since.toISOString()} for publishing again` +
          (context.config.platform.events.amqpUrl || context.config.platform.events.eventBridgeBus
            ? ''
            : ' (AMQP_URL and EVENTBRIDGE_BUS_NAME are not set here: the API publishes them)'),
      );
      return;
    }
    if (command !== 'dlq') throw new UsageError(`unknown command: ${command}`);
    if (!queue || !['list', 'requeue', 'drop'].includes(subcommand ?? '')) {
      throw new UsageError('usage: pnpm events dlq list|requeue|drop <queue> …');
    }
    const url = (await open()).config.platform.events.amqpUrl;
    if (!url) throw new UsageError('events dlq: AMQP_URL names no broker here');
    const dlq = new DeadLetterQueue(url, queue);
    if (subcommand === 'list') {
      const limit = wholeNumberOption('limit', options.get('limit')) ?? 100;
      const parked = await dlq.list(limit);
      for (const message of parked) {
        if (options.has('json')) io.out(JSON.stringify(message));
        else
          io.out([message.eventId, message.type, `attempts ${message.attempts}`, message.reason].join('\t'));
      }
      if (!options.has('json')) io.out(`${parked.length} parked in ${queue}.dlq`);
      return;
    }
    const selection = selectionOf(options, subcommand!);
    if (subcommand === 'requeue') io.out(`requeued ${await dlq.requeue(selection)} to ${queue}`);
    else io.out(`dropped ${await dlq.drop(selection)} from ${queue}.dlq`);
  });
}

if (require.main === module) {
  void runEventsCli(process.argv.slice(2)).then((code) => process.exit(code));
}
