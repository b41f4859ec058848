import { Injectable } from '@nestjs/common';
import { type AccessClaims, ProfileRepository } from './ports';

/**
 * The roles and memberships an access token carries, read together: every login and every
 * refresh mints a token, and one read is one round trip fewer than two.
 */
@Injectable()
export class AccessClaimsOfUser {
  constructor(private readonly profiles: ProfileRepository) {}

  execute(userId: string): Promise<AccessClaims | undefined> {
    return this.profiles.findAccessClaims(userId);
  }
}
