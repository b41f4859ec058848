import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  VERSION_NEUTRAL,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { requestMetaOf, uuidParam } from '@latchkey/platform-http';
import { isUuid, NotFound, ValidationFailed } from '@latchkey/shared-kernel';
import type { AccountView } from '@latchkey/user-profile';
import { ProfileDirectory } from '../../application/ports';
import { SessionAccessStatus } from '../../application/session-access-status';
import { IdentityAccountDirectory } from '../user-profile/identity-account-directory';

const MAX_IDS = 500;

function uuids(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_IDS || !value.every(isUuid))
    throw new ValidationFailed([{ field, message: `${field} must be at most ${MAX_IDS} UUIDs` }]);
  return value as string[];
}

/**
 * The auth service's answers to the other services of the services deployment (never routed by
 * the gateway, and refused without an internal token by `requireInternalCallers`): the accounts
 * behind the user service's AccountDirectory, and the session check behind the gateway's bearer
 * check. Served by the auth service only, never by the monolith.
 */
@Controller({ path: 'internal', version: VERSION_NEUTRAL })
export class InternalController {
  constructor(
    private readonly accounts: IdentityAccountDirectory,
    private readonly profiles: ProfileDirectory,
    private readonly sessionAccess: SessionAccessStatus,
  ) {}

  /** The account, and the name it registered with (the user service builds a missing profile from it). */
  @Get('accounts/:id')
  async account(@Param('id', uuidParam('id')) id: string): Promise<{ account: AccountView; name: string }> {
    const [account, profile] = await Promise.all([this.accounts.find(id), this.profiles.find(id)]);
    if (!account) throw new NotFound('No live account has this id');
    return { account, name: profile?.name ?? '' };
  }

  @Post('accounts/find-many')
  @HttpCode(200)
  async findMany(@Body() body: { ids?: unknown }): Promise<{ accounts: AccountView[] }> {
    return { accounts: await this.accounts.findMany(uuids(body?.ids, 'ids')) };
  }

  @Get('accounts')
  async page(
    @Query('afterId') afterId?: string,
    @Query('limit') limit?: string,
    @Query('email') email?: string,
    @Query('live') live?: string,
  ): Promise<{ accounts: AccountView[] }> {
    if (live === 'true' && email) {
      const account = await this.accounts.findByEmail(email);
      return { accounts: account ? [account] : [] };
    }
    const size = Number(limit ?? 20);
    if (!Number.isInteger(size) || size < 1 || size > MAX_IDS)
      throw new ValidationFailed([{ field: 'limit', message: `limit must be 1 to ${MAX_IDS}` }]);
    if (afterId !== undefined && !isUuid(afterId))
      throw new ValidationFailed([{ field: 'afterId', message: 'afterId must be a UUID' }]);
    return { accounts: await this.accounts.page({ afterId, limit: size, email }) };
  }

  @Delete('accounts/:id')
  @HttpCode(204)
  async erase(@Param('id', uuidParam('id')) id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.accounts.erase(id, requestMetaOf(request));
  }

  @Get('sessions/:id/access')
  async sessionStatus(
    @Param('id', uuidParam('id')) sessionId: string,
    @Query('userId', uuidParam('userId')) userId: string,
  ): Promise<{ status: 'active' | 'inactive' }> {
    return { status: await this.sessionAccess.execute(sessionId, userId) };
  }
}
