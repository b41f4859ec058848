import type { ProfileSummary } from './ports/profiles';
import type { Account } from '../domain/account';

/** The user as this API shows it to the user themself. */
export interface UserPublic {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  emailVerified: boolean;
}

export function toUserPublic(account: Account, profile: ProfileSummary): UserPublic {
  return {
    id: account.id,
    email: account.email,
    name: profile.name,
    createdAt: account.createdAt.toISOString(),
    emailVerified: account.emailVerifiedAt !== null,
  };
}
