import type { GlobalRole, Profile } from '../../domain/profile';
import { type AccessClaims, ProfileRepository, type RegistrationSource } from '../../application/ports';

/**
 * The user service's profiles (docs/decisions/0012-services-deployment.md, read-your-writes):
 * a profile is normally built from identity's `UserRegistered`, but a read must not depend on how
 * far behind that event is. On a miss, the account's registration is asked of the auth service
 * and the profile created from it, exactly as the event would (created once, whichever comes
 * first). An id with no live account stays a miss.
 */
export class BackfillingProfileRepository extends ProfileRepository {
  constructor(
    private readonly stored: ProfileRepository,
    private readonly registrations: RegistrationSource,
  ) {
    super();
  }

  create(profile: Profile): Promise<void> {
    return this.stored.create(profile);
  }

  createIfAbsent(profile: Profile): Promise<boolean> {
    return this.stored.createIfAbsent(profile);
  }

  async findByUserId(userId: string): Promise<Profile | undefined> {
    const found = await this.stored.findByUserId(userId);
    if (found || !(await this.backfill(userId))) return found;
    return this.stored.findByUserId(userId);
  }

  async findAccessClaims(userId: string): Promise<AccessClaims | undefined> {
    const found = await this.stored.findAccessClaims(userId);
    if (found || !(await this.backfill(userId))) return found;
    return this.stored.findAccessClaims(userId);
  }

  async findMany(userIds: string[]): Promise<Profile[]> {
    const found = await this.stored.findMany(userIds);
    const known = new Set(found.map((profile) => profile.userId));
    const missing = userIds.filter((userId) => !known.has(userId));
    let filled = false;
    for (const userId of missing) filled = (await this.backfill(userId)) || filled;
    return filled ? this.stored.findMany(userIds) : found;
  }

  updateName(userId: string, name: string, now: Date): Promise<void> {
    return this.stored.updateName(userId, name, now);
  }

  setRoles(userId: string, roles: GlobalRole[], now: Date): Promise<void> {
    return this.stored.setRoles(userId, roles, now);
  }

  lockAdmins(): Promise<string[]> {
    return this.stored.lockAdmins();
  }

  delete(userId: string): Promise<void> {
    return this.stored.delete(userId);
  }

  /** True when the account exists (its profile is there now, made here or meanwhile). */
  private async backfill(userId: string): Promise<boolean> {
    const registration = await this.registrations.registrationOf(userId);
    if (!registration) return false;
    await this.stored.createIfAbsent({
      userId,
      name: registration.name,
      roles: ['user'],
      createdAt: registration.registeredAt,
      updatedAt: registration.registeredAt,
    });
    return true;
  }
}
