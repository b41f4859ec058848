import { Injectable } from '@nestjs/common';
import { type RequestMeta, UnitOfWork, ValidationFailed } from '@latchkey/shared-kernel';
import { type Organization, slugProblem } from '../domain/organization';
import { OrganizationRepository, ProfileAuditTrail } from './ports';

export interface NewOrganization {
  id: string;
  name: string;
  slug: string;
  ownerId: string;
  now: Date;
}

/** Creates an organization with its first owner; joins the caller's transaction (sign-up). */
@Injectable()
export class CreateOrganization {
  constructor(
    private readonly organizations: OrganizationRepository,
    private readonly audit: ProfileAuditTrail,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /** Format and reserved words, before any write (the taken check is the unique index's). */
  static validate(slug: string): void {
    const problem = slugProblem(slug);
    if (problem)
      throw new ValidationFailed([
        {
          field: 'organization.slug',
          message:
            problem === 'format'
              ? 'must be 3-63 lowercase letters, digits or inner hyphens'
              : 'is reserved; choose another',
        },
      ]);
  }

  execute(input: NewOrganization, meta: RequestMeta): Promise<Organization> {
    CreateOrganization.validate(input.slug);
    const organization: Organization = {
      id: input.id,
      name: input.name.trim(),
      slug: input.slug,
      createdAt: input.now,
    };
    return this.unitOfWork.run(async () => {
      await this.organizations.create(organization); // SlugUnavailable on a taken slug
      await this.organizations.addMember({
        organizationId: organization.id,
        userId: input.ownerId,
        role: 'ORGANIZATION_OWNER',
        createdAt: input.now,
      });
      await this.audit.record({
        type: 'OrganizationCreated',
        userId: input.ownerId,
        actorId: input.ownerId,
        meta,
        data: { organizationId: organization.id, slug: organization.slug },
      });
      await this.audit.record({
        type: 'MemberAdded',
        userId: input.ownerId,
        actorId: input.ownerId,
        meta,
        data: { organizationId: organization.id, role: 'ORGANIZATION_OWNER' },
      });
      return organization;
    });
  }
}
