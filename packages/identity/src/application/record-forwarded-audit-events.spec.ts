import { TestClock } from '@latchkey/shared-kernel/testing';
import { MemoryAuditLog, RollbackUnitOfWork, TEST_META } from '../testing/memory-identity';
import type { ForwardedAuthEvent } from './ports';
import { RecordForwardedAuditEvents } from './record-forwarded-audit-events';

const USER = '0190a000-0000-7000-8000-000000000001';
const ERASURE = { ip: null, userAgent: null, requestId: 'req-delete' };
let sequence = 0;

const forwarded = (
  type: ForwardedAuthEvent['type'],
  meta: ForwardedAuthEvent['meta'],
  data: Record<string, unknown> = {},
): ForwardedAuthEvent => ({
  id: `0190a000-0000-7000-8000-${String(++sequence).padStart(12, '0')}`,
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)),
  type,
  userId: USER,
  sessionId: null,
  meta,
  data,
});

function setUp() {
  const audit = new MemoryAuditLog(new TestClock(new Date('2026-01-01T00:00:00Z')));
  return { audit, intake: new RecordForwardedAuditEvents(audit, new RollbackUnitOfWork([audit])) };
}

describe('RecordForwardedAuditEvents', () => {
  it('writes each record once, at the time it was recorded, however often it is delivered', async () => {
    const { audit, intake } = setUp();
    const renamed = forwarded('UserProfileUpdated', TEST_META, { fields: ['name'] });
    await intake.execute([renamed]);
    await intake.execute([renamed]);
    expect(audit.events).toEqual([
      expect.objectContaining({
        type: 'UserProfileUpdated',
        occurredAt: renamed.occurredAt,
        meta: TEST_META,
      }),
    ]);
  });

  it("redacts the user's earlier records on their deletion, and keeps what the deletion recorded", async () => {
    const { audit, intake } = setUp();
    // Recorded before the erasure, and delivered after the auth service had redacted the trail.
    await intake.execute([forwarded('UserProfileUpdated', TEST_META, { name: 'Ada' })]);
    await intake.execute([forwarded('OrganizationDeleted', TEST_META, { organizationId: 'o-1' })]);
    // The deletion's own records: no ip, what went with the user.
    await intake.execute([
      forwarded('OrganizationDeleted', ERASURE, { organizationId: 'o-2', reason: 'last_member_deleted' }),
    ]);
    await intake.execute([forwarded('UserDeleted', ERASURE)]);

    expect(audit.events.map(({ type, meta, data }) => ({ type, ip: meta.ip, data }))).toEqual([
      { type: 'UserProfileUpdated', ip: null, data: {} },
      { type: 'OrganizationDeleted', ip: null, data: {} },
      {
        type: 'OrganizationDeleted',
        ip: null,
        data: { organizationId: 'o-2', reason: 'last_member_deleted' },
      },
      { type: 'UserDeleted', ip: null, data: {} },
    ]);
    expect(audit.events.every((event) => event.meta.userAgent === null)).toBe(true);
  });
});
