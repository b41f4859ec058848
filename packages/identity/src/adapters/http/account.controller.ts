import { Controller, Delete, Get, HttpCode, Param, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  BearerAuthGuard,
  CurrentPrincipal,
  requestMetaOf,
  RequirePermissions,
  uuidParam,
  UseCaseSpan,
} from '@latchkey/platform-http';
import type { Principal } from '@latchkey/shared-kernel';
import { GetCurrentUser } from '../../application/get-current-user';
import { ListSessions, type SessionView } from '../../application/list-sessions';
import { RevokeSession } from '../../application/revoke-session';
import type { UserPublic } from '../../application/user-public';

/** The signed-in user's own account: who am I, where am I signed in, sign that one out. */
@Controller('auth')
@UseGuards(BearerAuthGuard)
@RequirePermissions('account:read')
export class AccountController {
  constructor(
    private readonly getCurrentUser: GetCurrentUser,
    private readonly listSessions: ListSessions,
    private readonly revokeSession: RevokeSession,
  ) {}

  @Get('me')
  @UseCaseSpan('identity.get_current_user')
  me(@CurrentPrincipal() principal: Principal): Promise<UserPublic> {
    return this.getCurrentUser.execute(principal.userId);
  }

  @Get('sessions')
  @UseCaseSpan('identity.list_sessions')
  async sessions(@CurrentPrincipal() principal: Principal): Promise<{ items: SessionView[] }> {
    return { items: await this.listSessions.execute(principal.userId, principal.sessionId) };
  }

  @Delete('sessions/:id')
  @UseCaseSpan('identity.revoke_session')
  @HttpCode(204)
  @RequirePermissions('account:write')
  async revoke(
    @Param('id', uuidParam('id')) id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.revokeSession.execute({ userId: principal.userId, sessionId: id }, requestMetaOf(request));
  }
}
