/** An emailed verification: a link token and a 6-digit code, both stored as keyed hashes. */
export interface EmailVerification {
  id: string;
  accountId: string;
  /** The address the secret was sent to; it verifies that address only. */
  email: string;
  tokenHash: string;
  codeHash: string;
  failedCodeAttempts: number;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  voidedAt: Date | null;
  /** The email carrying it (for the resend cooldown, which failed sends do not count against). */
  messageId: string | null;
}
