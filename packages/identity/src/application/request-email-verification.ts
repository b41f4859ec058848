import { Injectable } from '@nestjs/common';
import { BackgroundWork } from '@latchkey/shared-kernel';
import { normalizeEmail } from '../domain/email';
import { EmailAlreadyVerified, InvalidAccessToken, VerificationEmailCooldown } from '../domain/errors';
import { EmailVerificationIssuer } from './email-verification-issuer';
import { AccountRepository, type RequestMeta } from './ports';
import { isAccountActive } from '../domain/account';

/** The signed-in user's own address, or any address named anonymously. */
export type VerificationTarget = { userId: string } | { email: string };

/**
 * "Send the verification email again". Signed in, the caller is told how things stand (already
 * verified: 409; within the cooldown: 429). Anonymous, every outcome looks the same (202), and the
 * work happens after the answer, since anything else, its timing included, would say whether the
 * address has an account.
 */
@Injectable()
export class RequestEmailVerification {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly issuer: EmailVerificationIssuer,
    private readonly background: BackgroundWork,
  ) {}

  async execute(target: VerificationTarget, meta: RequestMeta): Promise<void> {
    if ('userId' in target) {
      const account = await this.accounts.findById(target.userId);
      if (!account || !isAccountActive(account)) throw new InvalidAccessToken();
      if (account.emailVerifiedAt !== null) throw new EmailAlreadyVerified();
      const outcome = await this.issuer.issue(account, meta);
      if (!outcome.issued) throw new VerificationEmailCooldown(outcome.retryAfterSeconds);
      return;
    }
    const email = normalizeEmail(target.email);
    this.background.run('email verification request', async () => {
      const account = await this.accounts.findByEmail(email);
      if (!account || !isAccountActive(account) || account.emailVerifiedAt !== null) return;
      await this.issuer.issue(account, meta);
    });
  }
}
