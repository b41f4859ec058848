import { Body, Controller, HttpCode, Param, Post, VERSION_NEUTRAL } from '@nestjs/common';
import { uuidParam } from '@latchkey/platform-http';
import { isUuid, ValidationFailed } from '@latchkey/shared-kernel';
import { RenameProjectedUser } from '../../application/rename-projected-user';
import { type PushedClaims, ReplaceProjectedClaims } from '../../application/replace-projected-claims';

const MAX_STATES = 100;

function pushedClaimsOf(value: unknown): PushedClaims[] {
  const refused = () =>
    new ValidationFailed([{ field: 'users', message: `users must be at most ${MAX_STATES} claim states` }]);
  if (!Array.isArray(value) || value.length > MAX_STATES) throw refused();
  return value.map((item: unknown) => {
    const { userId, version, deleted, roles, memberships } = (item ?? {}) as Record<string, unknown>;
    const strings = (list: unknown): list is string[] =>
      Array.isArray(list) && list.every((entry) => typeof entry === 'string');
    if (typeof userId !== 'string' || !isUuid(userId) || typeof version !== 'string' || !isUuid(version))
      throw refused();
    if (typeof deleted !== 'boolean' || !strings(roles) || !Array.isArray(memberships)) throw refused();
    return {
      userId,
      version,
      deleted,
      roles,
      memberships: memberships.map((membership: unknown) => {
        const { organizationId, role, since } = (membership ?? {}) as Record<string, unknown>;
        const at = typeof since === 'string' ? new Date(since) : undefined;
        if (
          typeof organizationId !== 'string' ||
          typeof role !== 'string' ||
          !at ||
          Number.isNaN(at.getTime())
        )
          throw refused();
        return { organizationId, role, since: at };
      }),
    };
  });
}

/** The user service's direct updates of the claims projection (internal callers only). */
@Controller({ path: 'internal', version: VERSION_NEUTRAL })
export class ProjectionController {
  constructor(
    private readonly rename: RenameProjectedUser,
    private readonly replace: ReplaceProjectedClaims,
  ) {}

  /** Users' claims as the user service holds them, right after a change to them committed. */
  @Post('claims')
  @HttpCode(204)
  async claims(@Body() body: { users?: unknown }): Promise<void> {
    await this.replace.execute(pushedClaimsOf(body?.users));
  }

  @Post('accounts/:id/name')
  @HttpCode(204)
  async renamed(@Param('id', uuidParam('id')) id: string, @Body() body: { name?: unknown }): Promise<void> {
    const name = body?.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200)
      throw new ValidationFailed([{ field: 'name', message: 'name must be a non-empty string' }]);
    await this.rename.execute(id, name);
  }
}
