import { Injectable } from '@nestjs/common';
import { CreateProfile, GetProfile } from '../../../user-profile';
import { ProfileDirectory, type ProfileSummary } from '../../application/ports';

/** Identity's view of the user-profile module, through that module's public use cases only. */
@Injectable()
export class UserProfileDirectory extends ProfileDirectory {
  constructor(
    private readonly createProfile: CreateProfile,
    private readonly getProfile: GetProfile,
  ) {
    super();
  }

  async create(userId: string, name: string, now: Date): Promise<void> {
    await this.createProfile.execute({ userId, name, now });
  }

  async find(userId: string): Promise<ProfileSummary | undefined> {
    const profile = await this.getProfile.execute(userId);
    return profile && { name: profile.name, roles: profile.roles };
  }
}
