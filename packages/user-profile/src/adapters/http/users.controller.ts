import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Put,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
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
import { DeleteUser } from '../../application/delete-user';
import { GetUser } from '../../application/get-user';
import { ListUsers, type UserPage } from '../../application/list-users';
import { SetUserRoles } from '../../application/set-user-roles';
import { UpdateUser } from '../../application/update-user';
import type { UserView } from '../../application/user-view';
import { ListUsersQuery, SetRolesRequest, UpdateUserRequest } from './users.dto';

const DEFAULT_PAGE = 20;

@Controller('users')
@UseGuards(BearerAuthGuard)
export class UsersController {
  constructor(
    private readonly listUsers: ListUsers,
    private readonly getUser: GetUser,
    private readonly updateUser: UpdateUser,
    private readonly setUserRoles: SetUserRoles,
    private readonly deleteUser: DeleteUser,
  ) {}

  @Get()
  @UseCaseSpan('user_profile.list_users')
  @RequirePermissions('users:read')
  list(@Query() query: ListUsersQuery, @CurrentPrincipal() principal: Principal): Promise<UserPage> {
    return this.listUsers.execute(principal, {
      limit: query.limit ?? DEFAULT_PAGE,
      cursor: query.cursor,
      email: query.email?.toLowerCase(),
    });
  }

  @Get(':id')
  @UseCaseSpan('user_profile.get_user')
  @RequirePermissions('account:read')
  get(@Param('id', uuidParam('id')) id: string, @CurrentPrincipal() principal: Principal): Promise<UserView> {
    return this.getUser.execute(principal, id);
  }

  @Patch(':id')
  @UseCaseSpan('user_profile.update_user')
  @RequirePermissions('account:write')
  update(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: UpdateUserRequest,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<UserView> {
    return this.updateUser.execute(principal, id, body, requestMetaOf(request));
  }

  @Put(':id/roles')
  @UseCaseSpan('user_profile.set_user_roles')
  @RequirePermissions('users:roles:write')
  setRoles(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: SetRolesRequest,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<UserView> {
    return this.setUserRoles.execute(principal, id, body.roles, requestMetaOf(request));
  }

  @Delete(':id')
  @UseCaseSpan('user_profile.delete_user')
  @HttpCode(204)
  @RequirePermissions('account:write')
  async remove(
    @Param('id', uuidParam('id')) id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.deleteUser.execute(principal, id, requestMetaOf(request));
  }
}
