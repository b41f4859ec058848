import { ValidationFailed } from '../../../shared-kernel/domain-error';
import { UnitOfWork } from '../../../shared-kernel/unit-of-work';
import { TestClock } from '../../../testing/test-clock';
import {
  AuditLog,
  type AuditQuery,
  type AuthEvent,
  type IdentitySettings,
  type RecordedAuthEvent,
} from './ports';
import { PurgeAuditEvents } from './purge-audit-events';

const DAY = 86_400_000;

/** The audit log's purge contract in memory: the oldest first, at most `limit` per call. */
class MemoryAuditLog extends AuditLog {
  readonly events: { occurredAt: Date; event: AuthEvent }[] = [];
  readonly batches: number[] = [];
  constructor(private readonly clock: TestClock) {
    super();
  }
  record(event: AuthEvent): Promise<void> {
    this.events.push({ occurredAt: this.clock.now(), event });
    return Promise.resolve();
  }
  redactUser(): Promise<void> {
    return Promise.resolve();
  }
  purgeBefore(cutoff: Date, limit: number): Promise<number> {
    const old = this.events
      .filter((entry) => entry.occurredAt < cutoff)
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())
      .slice(0, limit);
    for (const entry of old) this.events.splice(this.events.indexOf(entry), 1);
    this.batches.push(old.length);
    return Promise.resolve(old.length);
  }
  countBefore(cutoff: Date): Promise<number> {
    return Promise.resolve(this.events.filter((entry) => entry.occurredAt < cutoff).length);
  }
  find(query: AuditQuery): Promise<RecordedAuthEvent[]> {
    const about = (event: AuthEvent) =>
      event.userId === query.userId || (event.data as { email?: string } | undefined)?.email === query.email;
    return Promise.resolve(
      this.events
        .filter(({ occurredAt, event }) => occurredAt >= query.since && about(event))
        .filter(({ event }) => query.types.length === 0 || query.types.includes(event.type))
        .sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime())
        .slice(0, query.limit)
        .map(({ occurredAt, event }) => ({
          type: event.type,
          occurredAt,
          userId: event.userId,
          sessionId: event.sessionId,
          ip: event.meta.ip,
          userAgent: event.meta.userAgent,
          requestId: event.meta.requestId,
          data: event.data ?? {},
        })),
    );
  }
}

class ImmediateUnitOfWork extends UnitOfWork {
  run<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
  runWrites<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
}

const anEvent = (): AuthEvent => ({
  type: 'UserLoggedIn',
  userId: null,
  sessionId: null,
  meta: { ip: null, userAgent: null, requestId: null },
});

function setUp(retentionDays: number | undefined) {
  const clock = new TestClock(new Date('2026-01-01T00:00:00Z'));
  const audit = new MemoryAuditLog(clock);
  const settings = { auditRetentionSeconds: retentionDays && retentionDays * 86_400 } as IdentitySettings;
  return { clock, audit, purge: new PurgeAuditEvents(audit, settings, clock, new ImmediateUnitOfWork()) };
}

describe('PurgeAuditEvents', () => {
  it('deletes events older than the retention in batches, keeps the rest, and records itself', async () => {
    const { clock, audit, purge } = setUp(365);
    for (let i = 0; i < 12_001; i++) await audit.record(anEvent());
    clock.advance(366 * DAY);
    await audit.record(anEvent());

    const result = await purge.execute();
    expect(result).toEqual({ cutoff: new Date(clock.now().getTime() - 365 * DAY), purged: 12_001 });
    expect(audit.batches).toEqual([5_000, 5_000, 2_001]);
    expect(audit.events.map((entry) => entry.event.type)).toEqual(['UserLoggedIn', 'AuditEventsPurged']);
    expect(audit.events[1]!.event.data).toEqual({ before: result.cutoff.toISOString(), count: 12_001 });
  });

  it('only counts on a dry run, and an explicit age overrides the setting', async () => {
    const { clock, audit, purge } = setUp(undefined);
    await audit.record(anEvent());
    clock.advance(40 * DAY);
    await expect(purge.execute({ olderThanSeconds: 30 * 86_400, dryRun: true })).resolves.toMatchObject({
      purged: 1,
    });
    expect(audit.events).toHaveLength(1);
  });

  it('refuses without a retention, and under 30 days', async () => {
    await expect(setUp(undefined).purge.execute()).rejects.toThrow('No retention is configured');
    await expect(setUp(365).purge.execute({ olderThanSeconds: 29 * 86_400 })).rejects.toBeInstanceOf(
      ValidationFailed,
    );
  });
});
