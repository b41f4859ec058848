import { ValidationFailed } from '@latchkey/shared-kernel';
import { TestClock } from '@latchkey/shared-kernel/testing';
import { MemoryAuditLog, RollbackUnitOfWork } from '../testing/memory-identity';
import type { AuthEvent, IdentitySettings } from './ports';
import { PurgeAuditEvents } from './purge-audit-events';

const DAY = 86_400_000;

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
  return {
    clock,
    audit,
    purge: new PurgeAuditEvents(audit, settings, clock, new RollbackUnitOfWork([audit])),
  };
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
    expect(audit.types()).toEqual(['UserLoggedIn', 'AuditEventsPurged']);
    expect(audit.events[1]!.data).toEqual({ before: result.cutoff.toISOString(), count: 12_001 });
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
