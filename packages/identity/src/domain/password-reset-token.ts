/** A password-reset link's secret, stored as a keyed hash; only the account's newest works. */
export interface PasswordResetToken {
  id: string;
  accountId: string;
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
}
