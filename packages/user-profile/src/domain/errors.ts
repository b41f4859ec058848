import { DomainError } from '@latchkey/shared-kernel';

/** No such user, or not one the caller may see: the same answer for both. */
export class UserNotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor() {
    super('No such user');
  }
}

export class AdminRequired extends DomainError {
  readonly code = 'FORBIDDEN' as const;
  constructor() {
    super('Only an admin may do this');
  }
}

export class LastAdmin extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor() {
    super('This would leave no admin: grant admin to someone else first');
  }
}

/** Not a member (or no such organization): the same 404, so ids cannot be probed. */
export class OrganizationNotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor() {
    super('No such organization');
  }
}

export class OrganizationRoleRequired extends DomainError {
  readonly code = 'FORBIDDEN' as const;
  constructor() {
    super('Only the organization’s owners and admins may manage its members');
  }
}

export class SlugUnavailable extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor(slug: string) {
    super(`The organization slug "${slug}" is taken`);
  }
}

export class AlreadyMember extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor() {
    super('That user is already a member');
  }
}

export class LastOwner extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor() {
    super('An organization keeps at least one owner: make another member an owner first');
  }
}

/** Deleting the account would leave these organizations, which have other members, without an owner. */
export class SoleOwnerOfOrganizations extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor(organizations: { id: string; slug: string }[]) {
    super(
      'The user is the only owner of organizations that have other members: make another member an owner ' +
        '(PATCH /v1/organizations/{id}/members/{userId} with role ORGANIZATION_OWNER) before deleting the account',
      {
        details: organizations.map((organization) => ({
          field: 'organizations',
          message: `${organization.id} (${organization.slug})`,
        })),
      },
    );
  }
}

/** A sign-up's organization that is not abandoned: its owner's account exists, or others joined. */
export class OrganizationStillClaimed extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor() {
    super('The organization belongs to an account that exists, or has other members');
  }
}
