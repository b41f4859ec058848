import type { Profile } from '../domain/profile';

export abstract class ProfileRepository {
  abstract create(profile: Profile): Promise<void>;
  abstract findByUserId(userId: string): Promise<Profile | undefined>;
}
