import type { InternalHttpClient } from '@latchkey/platform-http';
import { ServiceUnavailable, type RequestMeta } from '@latchkey/shared-kernel';
import type { OrganizationSummary } from '../../application/ports';
import { OrganizationRegistry } from './projected-profile-directory';

type WireOrganization = Omit<OrganizationSummary, 'createdAt'> & { createdAt: string };

/** Sign-up's organization, created by the user service over its internal API. */
export class HttpOrganizationRegistry extends OrganizationRegistry {
  constructor(private readonly users: InternalHttpClient) {
    super();
  }

  async create(
    input: { id: string; name: string; slug: string; ownerId: string; now: Date },
    _meta: RequestMeta,
  ): Promise<OrganizationSummary> {
    const created = await this.users.call<{ organization: WireOrganization }>(
      'POST',
      '/internal/organizations',
      {
        ...input,
        now: input.now.toISOString(),
      },
    );
    if (!created)
      throw new ServiceUnavailable('Organizations cannot be created at the moment; retry shortly');
    const { id, name, slug, createdAt } = created.organization;
    return { id, name, slug, createdAt: new Date(createdAt) };
  }
}
