import { type Database, requestContext } from '@latchkey/platform';
import type { InternalHttpClient } from '@latchkey/platform-http';
import { ServiceUnavailable, type RequestMeta } from '@latchkey/shared-kernel';
import type { OrganizationSummary } from '../../application/ports';
import { OrganizationRegistry } from './projected-profile-directory';

type WireOrganization = Omit<OrganizationSummary, 'createdAt'> & { createdAt: string };

/**
 * Sign-up's organization, created by the user service over its internal API inside sign-up's
 * transaction here. Should that transaction roll back (a later write failed), the organization is
 * discarded before sign-up answers (the user service deletes it only while it is still as made,
 * for an owner whose account does not exist); a discard that cannot reach the user service is
 * logged, and leaves an organization without a living owner.
 */
export class HttpOrganizationRegistry extends OrganizationRegistry {
  constructor(
    private readonly users: InternalHttpClient,
    private readonly database: Database,
  ) {
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
    this.database.afterRollback(() => this.discard(id, input.ownerId));
    return { id, name, slug, createdAt: new Date(createdAt) };
  }

  private async discard(organizationId: string, ownerId: string): Promise<void> {
    const query = new URLSearchParams({ ownerId });
    await this.users
      .call('DELETE', `/internal/organizations/${organizationId}?${query}`)
      .catch((error: unknown) =>
        requestContext
          .getStore()
          ?.log.error(
            { err: error, organizationId },
            'the organization of a failed sign-up could not be discarded: it is left without a living owner',
          ),
      );
  }
}
