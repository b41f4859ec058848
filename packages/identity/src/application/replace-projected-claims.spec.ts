import { TestClock } from '@latchkey/shared-kernel/testing';
import { MemoryClaimsProjection, RollbackUnitOfWork } from '../testing/memory-identity';
import { UserViewCache } from './ports';
import { ProjectProfileFacts } from './project-profile-facts';
import { ReplaceProjectedClaims } from './replace-projected-claims';
import type { UserPublic } from './user-public';

class Views extends UserViewCache {
  through(_userId: string, load: () => Promise<UserPublic>): Promise<UserPublic> {
    return load();
  }
  forget(): void {}
}

const ALICE = '0190a5b2-0000-7000-8000-00000000000a';
const ORG = '0190a5b2-0000-7000-8000-0000000000f1';
const event = (n: number) => `0190a5b3-0000-7000-8000-${String(n).padStart(12, '0')}`;

describe('ReplaceProjectedClaims: the user service pushes claims right after a change commits', () => {
  let projection: MemoryClaimsProjection;
  let replace: ReplaceProjectedClaims;
  let project: ProjectProfileFacts;
  const clock = new TestClock(new Date('2026-12-04T10:00:00Z'));

  beforeEach(async () => {
    projection = new MemoryClaimsProjection();
    const unitOfWork = new RollbackUnitOfWork([projection]);
    replace = new ReplaceProjectedClaims(projection, new Views(), clock, unitOfWork);
    project = new ProjectProfileFacts(projection, new Views(), clock, unitOfWork);
    await projection.save({
      userId: ALICE,
      name: 'Alice',
      roles: ['user'],
      memberships: [],
      lastEventId: null,
    });
  });

  const state = (version: string, roles: string[], organizationIds: string[] = []) => ({
    userId: ALICE,
    version,
    deleted: false,
    roles,
    memberships: organizationIds.map((organizationId) => ({
      organizationId,
      role: 'ORGANIZATION_MEMBER',
      since: new Date('2026-12-04T09:00:00Z'),
    })),
  });

  it('replaces the claims, keeping the name', async () => {
    await replace.execute([state(event(2), ['user', 'admin'], [ORG])]);
    expect(projection.rows.get(ALICE)).toMatchObject({
      name: 'Alice',
      roles: ['user', 'admin'],
      memberships: [{ organizationId: ORG }],
      lastEventId: event(2),
    });
  });

  it('keeps a newer state: neither an older push nor a late event undoes it', async () => {
    await replace.execute([state(event(5), ['user', 'admin'])]);
    await replace.execute([state(event(3), ['user'])]);
    await project.execute([{ kind: 'roles_changed', userId: ALICE, roles: ['user'] }], event(4));
    expect(projection.rows.get(ALICE)?.roles).toEqual(['user', 'admin']);
    // A later event still applies on top.
    await project.execute([{ kind: 'roles_changed', userId: ALICE, roles: ['user'] }], event(6));
    expect(projection.rows.get(ALICE)?.roles).toEqual(['user']);
  });

  it('drops the row of a deleted user', async () => {
    await replace.execute([{ ...state(event(7), []), deleted: true }]);
    expect(projection.rows.has(ALICE)).toBe(false);
  });
});
