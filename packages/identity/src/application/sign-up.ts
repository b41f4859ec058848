import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { normalizeEmail } from '../domain/email';
import { normalizePassword, PasswordPolicy } from '../domain/password-policy';
import { AccountOpener } from './account-opener';
import type { IssuedTokens } from './issued-tokens';
import {
  IdGenerator,
  type OrganizationSummary,
  PasswordHasher,
  ProfileDirectory,
  type RequestMeta,
  IdentityProbe,
} from './ports';
import { SessionStarter } from './session-starter';
import { toUserPublic, type UserPublic } from './user-public';

export interface SignUpCommand {
  email: string;
  password: string;
  name: string;
  organization: { name: string; slug: string };
  deviceId?: string;
}

export interface SignedUp {
  user: UserPublic;
  organization: OrganizationSummary;
  tokens: IssuedTokens;
}

/**
 * Multi-tenant sign-up: the account, its profile, the organization, the owner membership and
 * the first session, in one transaction. Any failure (a taken slug or address, a database
 * error on the last write) leaves no row behind.
 */
@Injectable()
export class SignUp {
  constructor(
    private readonly opener: AccountOpener,
    private readonly profiles: ProfileDirectory,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly starter: SessionStarter,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly probe: IdentityProbe,
  ) {}

  async execute(command: SignUpCommand, meta: RequestMeta): Promise<SignedUp> {
    const email = normalizeEmail(command.email);
    this.policy.assertAcceptable(command.password, email);
    this.profiles.validateSlug(command.organization.slug);

    const passwordHash = await this.hasher.hash(normalizePassword(command.password));
    const now = this.clock.now();
    const name = command.name.trim();
    const { account, organization, opened } = await this.unitOfWork.run(async () => {
      const account = await this.opener.open({ email, passwordHash, name, now }, meta);
      const organization = await this.profiles.createOrganization(
        {
          id: this.ids.next(),
          name: command.organization.name,
          slug: command.organization.slug,
          ownerId: account.id,
          now,
        },
        meta,
      );
      const opened = await this.starter.open(
        {
          userId: account.id,
          deviceId: command.deviceId ?? null,
          activeOrganizationId: organization.id,
          now,
        },
        meta,
        { via: 'signup', organizationId: organization.id },
      );
      return { account, organization, opened };
    });
    this.probe.registered();
    return {
      user: toUserPublic(account, { name, roles: ['user'] }),
      organization,
      tokens: await this.starter.tokens(opened, now),
    };
  }
}
