import { Injectable } from '@nestjs/common';
import type { Profile } from '../domain/profile';
import { ProfileRepository } from './ports';

@Injectable()
export class GetProfile {
  constructor(private readonly profiles: ProfileRepository) {}

  execute(userId: string): Promise<Profile | undefined> {
    return this.profiles.findByUserId(userId);
  }
}
