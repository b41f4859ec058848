import { TestClock } from '@latchkey/shared-kernel/testing';
import { MemoryClaimsProjection, RollbackUnitOfWork } from '../testing/memory-identity';
import { UserViewCache } from './ports';
import { ProjectProfileFacts } from './project-profile-facts';
import type { UserPublic } from './user-public';

class ForgettingViews extends UserViewCache {
  readonly forgotten: string[] = [];
  through(_userId: string, load: () => Promise<UserPublic>): Promise<UserPublic> {
    return load();
  }
  forget(userId: string): void {
    this.forgotten.push(userId);
  }
}

const ALICE = '0190a5b2-0000-7000-8000-00000000000a';
const BOB = '0190a5b2-0000-7000-8000-00000000000b';
const ORG = '0190a5b2-0000-7000-8000-0000000000f1';
const OTHER_ORG = '0190a5b2-0000-7000-8000-0000000000f2';
/** Event ids: UUIDv7-shaped, so a later one sorts after an earlier one. */
let sequence = 0;
const nextEvent = () => `0190a5b3-0000-7000-8000-${String(++sequence).padStart(12, '0')}`;

describe('ProjectProfileFacts: the auth service follows the user service', () => {
  let projection: MemoryClaimsProjection;
  let views: ForgettingViews;
  let project: ProjectProfileFacts;
  const clock = new TestClock(new Date('2026-12-04T10:00:00Z'));

  beforeEach(async () => {
    projection = new MemoryClaimsProjection();
    views = new ForgettingViews();
    project = new ProjectProfileFacts(projection, views, clock, new RollbackUnitOfWork([projection]));
    for (const userId of [ALICE, BOB])
      await projection.save({
        userId,
        name: `user ${userId.slice(-1)}`,
        roles: ['user'],
        memberships: [],
        lastEventId: null,
      });
  });

  const joined = (userId: string, organizationId: string, at: string) => ({
    kind: 'membership_changed' as const,
    userId,
    organizationId,
    change: 'added' as const,
    role: 'ORGANIZATION_MEMBER',
    at: new Date(at),
  });

  it('applies role and membership changes to the row, keeping the name, and forgets the cached view', async () => {
    await project.execute([{ kind: 'roles_changed', userId: ALICE, roles: ['user', 'admin'] }], nextEvent());
    await project.execute([joined(ALICE, ORG, '2026-12-04T09:00:00Z')], nextEvent());
    expect(projection.rows.get(ALICE)).toMatchObject({
      name: 'user a',
      roles: ['user', 'admin'],
      memberships: [{ organizationId: ORG, role: 'ORGANIZATION_MEMBER' }],
    });
    expect(views.forgotten).toEqual([ALICE, ALICE]);
  });

  it('removes a deleted organization from every member, whoever the event is about', async () => {
    // One event each, as user-profile publishes them.
    await project.execute([joined(ALICE, ORG, '2026-12-04T09:00:00Z')], nextEvent());
    await project.execute([joined(BOB, ORG, '2026-12-04T09:01:00Z')], nextEvent());
    await project.execute([joined(BOB, OTHER_ORG, '2026-12-04T09:02:00Z')], nextEvent());
    await project.execute(
      [{ kind: 'organization_deleted', userId: ALICE, organizationId: ORG }],
      nextEvent(),
    );
    expect(projection.rows.get(ALICE)?.memberships).toEqual([]);
    expect(projection.rows.get(BOB)?.memberships.map((m) => m.organizationId)).toEqual([OTHER_ORG]);
  });

  it('drops a deleted user’s row: no token can be minted from it', async () => {
    await project.execute([{ kind: 'user_deleted', userId: ALICE }], nextEvent());
    expect(projection.rows.has(ALICE)).toBe(false);
    expect(projection.rows.has(BOB)).toBe(true);
  });

  it('ignores an event no newer than the row: a late delivery cannot undo a newer state', async () => {
    const late = nextEvent();
    await project.execute([{ kind: 'roles_changed', userId: ALICE, roles: ['user', 'admin'] }], nextEvent());
    await project.execute([{ kind: 'roles_changed', userId: ALICE, roles: ['user'] }], late);
    expect(projection.rows.get(ALICE)?.roles).toEqual(['user', 'admin']);
  });

  it('rolls every fact of a batch back when one fails', async () => {
    const failing = Object.assign(projection, {
      remove: () => Promise.reject(new Error('database down')),
    });
    await expect(
      project.execute(
        [
          { kind: 'roles_changed', userId: BOB, roles: ['admin'] },
          { kind: 'user_deleted', userId: ALICE },
        ],
        nextEvent(),
      ),
    ).rejects.toThrow('database down');
    expect(failing.rows.get(BOB)?.roles).toEqual(['user']);
  });
});
