import type { Profile } from '../domain/profile';
import type { AccountView } from './ports';

/** A user as the users API shows it: docs/openapi.yaml `User` (UserPublic plus roles). */
export interface UserView {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  emailVerified: boolean;
  roles: string[];
}

export function toUserView(account: AccountView, profile: Profile): UserView {
  return {
    id: account.id,
    email: account.email,
    name: profile.name,
    createdAt: account.createdAt.toISOString(),
    emailVerified: account.emailVerified,
    roles: profile.roles,
  };
}
