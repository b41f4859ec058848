import { Body, Controller, Delete, HttpCode, Param, Post, Query, Req, VERSION_NEUTRAL } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { requestMetaOf } from '@latchkey/platform-http';
import { isUuid, ValidationFailed } from '@latchkey/shared-kernel';
import { CreateOrganization } from '../../application/create-organization';
import { DiscardAbandonedOrganization } from '../../application/discard-abandoned-organization';
import type { Organization } from '../../domain/organization';

/**
 * The user service's answer to the auth service's sign-up (never routed by the gateway, refused
 * without an internal token): the organization and its owner's membership, at once, so a taken
 * slug is the sign-up's 409 (SlugUnavailable passes back through the call).
 */
@Controller({ path: 'internal', version: VERSION_NEUTRAL })
export class InternalOrganizationsController {
  constructor(
    private readonly createOrganization: CreateOrganization,
    private readonly discardAbandoned: DiscardAbandonedOrganization,
  ) {}

  @Post('organizations')
  async create(
    @Body() body: { id?: unknown; name?: unknown; slug?: unknown; ownerId?: unknown; now?: unknown },
    @Req() request: FastifyRequest,
  ): Promise<{ organization: Organization }> {
    const { id, name, slug, ownerId, now } = body ?? {};
    const at = typeof now === 'string' ? new Date(now) : undefined;
    if (
      !isUuid(id) ||
      !isUuid(ownerId) ||
      typeof name !== 'string' ||
      typeof slug !== 'string' ||
      at === undefined ||
      Number.isNaN(at.getTime())
    )
      throw new ValidationFailed([
        { field: 'organization', message: 'id, name, slug, ownerId and now are required' },
      ]);
    const organization = await this.createOrganization.execute(
      { id, name, slug, ownerId, now: at },
      requestMetaOf(request),
    );
    return { organization };
  }

  /** Sign-up's transaction in the auth service rolled back: its organization goes (204), if still as made. */
  @Delete('organizations/:id')
  @HttpCode(204)
  async discard(
    @Param('id') id: string,
    @Query('ownerId') ownerId: unknown,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    if (!isUuid(id) || !isUuid(ownerId))
      throw new ValidationFailed([{ field: 'organization', message: 'id and ownerId must be UUIDs' }]);
    await this.discardAbandoned.execute(id, ownerId, requestMetaOf(request));
  }
}
