import type { GlobalRole, Profile } from '../../domain/profile';
import { type AccessClaims, ProfileRepository, RegistrationSource } from '../../application/ports';
import { BackfillingProfileRepository } from './backfilling-profile-repository';

class MemoryProfiles extends ProfileRepository {
  readonly rows = new Map<string, Profile>();
  readonly deleted = new Set<string>();
  create(profile: Profile): Promise<void> {
    if (this.rows.has(profile.userId)) return Promise.reject(new Error('duplicate'));
    this.rows.set(profile.userId, profile);
    return Promise.resolve();
  }
  createIfAbsent(profile: Profile): Promise<boolean> {
    if (this.rows.has(profile.userId) || this.deleted.has(profile.userId)) return Promise.resolve(false);
    this.rows.set(profile.userId, profile);
    return Promise.resolve(true);
  }
  findByUserId(userId: string): Promise<Profile | undefined> {
    return Promise.resolve(this.rows.get(userId));
  }
  findAccessClaims(userId: string): Promise<AccessClaims | undefined> {
    const profile = this.rows.get(userId);
    return Promise.resolve(profile && { roles: profile.roles, memberships: [] });
  }
  findMany(userIds: string[]): Promise<Profile[]> {
    return Promise.resolve(userIds.flatMap((id) => (this.rows.has(id) ? [this.rows.get(id)!] : [])));
  }
  updateName(): Promise<void> {
    return Promise.resolve();
  }
  setRoles(userId: string, roles: GlobalRole[]): Promise<void> {
    this.rows.set(userId, { ...this.rows.get(userId)!, roles });
    return Promise.resolve();
  }
  lockAdmins(): Promise<string[]> {
    return Promise.resolve([]);
  }
  delete(userId: string): Promise<void> {
    this.rows.delete(userId);
    this.deleted.add(userId);
    return Promise.resolve();
  }
}

class Registrations extends RegistrationSource {
  readonly asked: string[] = [];
  constructor(private readonly known: Record<string, string>) {
    super();
  }
  registrationOf(userId: string) {
    this.asked.push(userId);
    const name = this.known[userId];
    return Promise.resolve(
      name === undefined ? undefined : { name, registeredAt: new Date('2026-12-04T09:00:00Z') },
    );
  }
}

describe('BackfillingProfileRepository: read-your-writes in the user service', () => {
  let stored: MemoryProfiles;
  let registrations: Registrations;
  let profiles: BackfillingProfileRepository;
  beforeEach(() => {
    stored = new MemoryProfiles();
    registrations = new Registrations({ alice: 'Alice', bob: 'Bob' });
    profiles = new BackfillingProfileRepository(stored, registrations);
  });

  it('builds a registered account’s missing profile from its registration, once', async () => {
    expect(await profiles.findByUserId('alice')).toMatchObject({
      userId: 'alice',
      name: 'Alice',
      roles: ['user'],
    });
    expect(await profiles.findByUserId('alice')).toMatchObject({ name: 'Alice' });
    expect(registrations.asked).toEqual(['alice']);
  });

  it('keeps a profile the event made meanwhile (created once, whichever comes first)', async () => {
    await stored.create({
      userId: 'bob',
      name: 'Robert',
      roles: ['user', 'admin'],
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    expect(await profiles.findAccessClaims('bob')).toEqual({ roles: ['user', 'admin'], memberships: [] });
    expect(registrations.asked).toEqual([]);
  });

  it('fills the gaps of a list, and leaves an id without an account a miss', async () => {
    const found = await profiles.findMany(['alice', 'nobody', 'bob']);
    expect(found.map((profile) => profile.userId).sort()).toEqual(['alice', 'bob']);
    expect(await profiles.findByUserId('nobody')).toBeUndefined();
    expect(stored.rows.has('nobody')).toBe(false);
  });
});
