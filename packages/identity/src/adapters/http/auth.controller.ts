import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  BearerAuthGuard,
  CurrentPrincipal,
  Idempotent,
  OptionalBearerAuthGuard,
  RateLimit,
  requestMetaOf,
  RequirePermissions,
  successStatus,
  UseCaseSpan,
} from '@latchkey/platform-http';
import type { Principal } from '@latchkey/shared-kernel';
import { LoginUser } from '../../application/login-user';
import { Logout } from '../../application/logout';
import { RefreshSession } from '../../application/refresh-session';
import { RegisterUser } from '../../application/register-user';
import { SignUp } from '../../application/sign-up';
import { SwitchOrganization } from '../../application/switch-organization';
import type { OrganizationSummary } from '../../application/ports';
import type { UserPublic } from '../../application/user-public';
import { AuthenticationRequired } from '../../domain/errors';
import {
  type AcceptedResponse,
  LoginRequest,
  LogoutRequest,
  RefreshRequest,
  RegisterRequest,
  SignUpRequest,
  SwitchOrganizationRequest,
} from './auth.dto';
import { RefreshTokenTransport, type TokenBody } from './refresh-token-transport';

type OrganizationView = Omit<OrganizationSummary, 'createdAt'> & { createdAt: string };

const REGISTRATION_ACCEPTED: AcceptedResponse = {
  message: 'Check your inbox: the next step is in an email to this address.',
};

@Controller('auth')
export class AuthController {
  constructor(
    private readonly registerUser: RegisterUser,
    private readonly loginUser: LoginUser,
    private readonly refreshSession: RefreshSession,
    private readonly logout: Logout,
    private readonly signUp: SignUp,
    private readonly switchOrganization: SwitchOrganization,
    private readonly transport: RefreshTokenTransport,
  ) {}

  @Post('signup')
  @UseCaseSpan('identity.sign_up')
  @HttpCode(201)
  @RateLimit('register')
  async signup(
    @Body() body: SignUpRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenBody & { user: UserPublic; organization: OrganizationView }> {
    const { user, organization, tokens } = await this.signUp.execute(body, requestMetaOf(request));
    return {
      user,
      organization: { ...organization, createdAt: organization.createdAt.toISOString() },
      ...this.transport.write(request, reply, tokens),
    };
  }

  @Post('switch-organization')
  @UseCaseSpan('identity.switch_organization')
  @HttpCode(200)
  @UseGuards(BearerAuthGuard)
  @RequirePermissions('account:write')
  async switchTo(
    @Body() body: SwitchOrganizationRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ accessToken: string; expiresIn: number; tokenType: 'Bearer' }> {
    const access = await this.switchOrganization.execute(
      principal,
      body.organizationId,
      requestMetaOf(request),
    );
    void reply.header('cache-control', 'no-store');
    return { accessToken: access.token, expiresIn: access.expiresIn, tokenType: 'Bearer' };
  }

  @Post('register')
  @UseCaseSpan('identity.register')
  @HttpCode(201)
  @RateLimit('register')
  @Idempotent()
  async register(
    @Body() body: RegisterRequest,
    @Req() request: FastifyRequest,
  ): Promise<UserPublic | AcceptedResponse> {
    const registration = await this.registerUser.execute(body, requestMetaOf(request));
    if (registration.outcome === 'created') return registration.user;
    // REGISTER_UNIFORM_RESPONSE: new address or taken, the same 202 and body.
    successStatus(request, 202);
    return REGISTRATION_ACCEPTED;
  }

  @Post('login')
  @UseCaseSpan('identity.login')
  @HttpCode(200)
  @RateLimit('login')
  async login(
    @Body() body: LoginRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenBody> {
    const tokens = await this.loginUser.execute(body, requestMetaOf(request));
    return this.transport.write(request, reply, tokens);
  }

  @Post('refresh')
  @UseCaseSpan('identity.refresh')
  @HttpCode(200)
  @RateLimit('refresh')
  async refresh(
    @Body() body: RefreshRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenBody> {
    const refreshToken = this.transport.read(request, body.refreshToken);
    if (refreshToken === undefined) throw new AuthenticationRequired();
    const tokens = await this.refreshSession.execute({ refreshToken }, requestMetaOf(request));
    return this.transport.write(request, reply, tokens);
  }

  @Post('logout')
  @UseCaseSpan('identity.logout')
  @HttpCode(204)
  @RateLimit('logout')
  @UseGuards(OptionalBearerAuthGuard)
  async signOut(
    @Body() body: LogoutRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    const refreshToken = this.transport.read(request, body.refreshToken);
    await this.logout.execute(
      { refreshToken, principal, allDevices: body.allDevices ?? false },
      requestMetaOf(request),
    );
    this.transport.clear(request, reply);
  }
}
