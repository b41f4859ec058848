/** A login identity: an email address and a password hash. Profiles (name, roles) are user-profile's. */
export interface Account {
  id: string;
  email: string;
  passwordHash: string;
  emailVerifiedAt: Date | null;
  disabledAt: Date | null;
  deletedAt: Date | null;
  createdAt: Date;
}

/** Disabled and deleted accounts sign nobody in and are sent nothing. */
export function isAccountActive(account: Pick<Account, 'disabledAt' | 'deletedAt'>): boolean {
  return account.disabledAt === null && account.deletedAt === null;
}
