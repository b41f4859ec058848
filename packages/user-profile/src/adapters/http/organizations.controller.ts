import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  BearerAuthGuard,
  CurrentPrincipal,
  RateLimit,
  requestMetaOf,
  RequirePermissions,
  uuidParam,
  UseCaseSpan,
} from '@latchkey/platform-http';
import type { Principal } from '@latchkey/shared-kernel';
import { CheckSlug, type SlugAvailability } from '../../application/check-slug';
import { ListOwnOrganizations, type OwnOrganizationView } from '../../application/list-own-organizations';
import { type MemberView, OrganizationMembers } from '../../application/organization-members';
import { AddMemberRequest, ChangeMemberRoleRequest } from './organizations.dto';

interface OrganizationView {
  id: string;
  name: string;
  slug: string;
  createdAt: string;
}

/** An organization and its members: for members only; managed by its owners and admins. */
@Controller('organizations')
@UseGuards(BearerAuthGuard)
@RequirePermissions('organizations:read')
export class OrganizationsController {
  constructor(
    private readonly members: OrganizationMembers,
    private readonly ownOrganizations: ListOwnOrganizations,
  ) {}

  @Get()
  @UseCaseSpan('user_profile.list_own_organizations')
  async mine(@CurrentPrincipal() principal: Principal): Promise<{ items: OwnOrganizationView[] }> {
    return { items: await this.ownOrganizations.execute(principal) };
  }

  @Get(':id')
  @UseCaseSpan('user_profile.get_organization')
  async get(
    @Param('id', uuidParam('id')) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrganizationView> {
    const organization = await this.members.organization(principal, id);
    return { ...organization, createdAt: organization.createdAt.toISOString() };
  }

  @Get(':id/members')
  @UseCaseSpan('user_profile.list_members')
  async list(
    @Param('id', uuidParam('id')) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ items: MemberView[] }> {
    return { items: await this.members.list(principal, id) };
  }

  @Post(':id/members')
  @UseCaseSpan('user_profile.add_member')
  @HttpCode(201)
  @RequirePermissions('organizations:write')
  add(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: AddMemberRequest,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<MemberView> {
    return this.members.add(
      principal,
      id,
      { email: body.email.toLowerCase(), role: body.role },
      requestMetaOf(request),
    );
  }

  @Patch(':id/members/:userId')
  @UseCaseSpan('user_profile.change_member_role')
  @RequirePermissions('organizations:write')
  changeRole(
    @Param('id', uuidParam('id')) id: string,
    @Param('userId', uuidParam('userId')) userId: string,
    @Body() body: ChangeMemberRoleRequest,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<MemberView> {
    return this.members.changeRole(principal, id, userId, body.role, requestMetaOf(request));
  }

  @Delete(':id/members/:userId')
  @UseCaseSpan('user_profile.remove_member')
  @HttpCode(204)
  @RequirePermissions('organizations:write')
  async remove(
    @Param('id', uuidParam('id')) id: string,
    @Param('userId', uuidParam('userId')) userId: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.members.remove(principal, id, userId, requestMetaOf(request));
  }
}

/** Sign-up forms ask as the user types; public, and throttled per client IP. */
@Controller('auth/organizations')
export class SlugController {
  constructor(private readonly checkSlug: CheckSlug) {}

  @Get('slug-available/:slug')
  @UseCaseSpan('user_profile.check_slug')
  @RateLimit('slugCheck')
  available(@Param('slug') slug: string): Promise<SlugAvailability> {
    return this.checkSlug.execute(slug);
  }
}
