import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  BearerAuthGuard,
  CurrentPrincipal,
  OptionalBearerAuthGuard,
  RateLimit,
  requestMetaOf,
  RequirePermissions,
  UseCaseSpan,
} from '@latchkey/platform-http';
import { type Principal, ValidationFailed } from '@latchkey/shared-kernel';
import { ChangePassword } from '../../application/change-password';
import {
  ConfirmEmailVerification,
  type VerificationProof,
} from '../../application/confirm-email-verification';
import { ConfirmPasswordReset } from '../../application/confirm-password-reset';
import { RequestEmailVerification } from '../../application/request-email-verification';
import { RequestPasswordReset } from '../../application/request-password-reset';
import type { UserPublic } from '../../application/user-public';
import {
  type AcceptedResponse,
  PasswordChangeRequest,
  PasswordResetConfirmRequest,
  PasswordResetRequest,
  VerificationConfirmRequest,
  VerificationRequest,
} from './auth.dto';

const RESET_ACCEPTED: AcceptedResponse = {
  message: 'If an account uses this address, a password reset link is on its way to it.',
};
const VERIFICATION_ACCEPTED: AcceptedResponse = {
  message: 'If this address needs verifying, a verification email is on its way to it.',
};

/** Password reset, email verification and password change. */
@Controller('auth')
export class AccountLifecycleController {
  constructor(
    private readonly requestReset: RequestPasswordReset,
    private readonly confirmReset: ConfirmPasswordReset,
    private readonly requestVerification: RequestEmailVerification,
    private readonly confirmVerification: ConfirmEmailVerification,
    private readonly changePassword: ChangePassword,
  ) {}

  @Post('password-reset/request')
  @UseCaseSpan('identity.request_password_reset')
  @HttpCode(202)
  @RateLimit('passwordResetRequest')
  passwordResetRequest(@Body() body: PasswordResetRequest, @Req() request: FastifyRequest): AcceptedResponse {
    this.requestReset.execute(body, requestMetaOf(request));
    return RESET_ACCEPTED;
  }

  @Post('password-reset/confirm')
  @UseCaseSpan('identity.confirm_password_reset')
  @HttpCode(204)
  @RateLimit('tokenConfirm')
  async passwordResetConfirm(
    @Body() body: PasswordResetConfirmRequest,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.confirmReset.execute(body, requestMetaOf(request));
  }

  @Post('verify/request')
  @UseCaseSpan('identity.request_email_verification')
  @HttpCode(202)
  @RateLimit('verifyRequest')
  @UseGuards(OptionalBearerAuthGuard)
  async verificationRequest(
    @Body() body: VerificationRequest,
    @Req() request: FastifyRequest,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<AcceptedResponse> {
    if (principal && body.email !== undefined)
      throw new ValidationFailed([
        { field: 'email', message: 'must be absent with a bearer token (its own address is used)' },
      ]);
    if (!principal && body.email === undefined)
      throw new ValidationFailed([{ field: 'email', message: 'is required without a bearer token' }]);
    const target = principal ? { userId: principal.userId } : { email: body.email! };
    await this.requestVerification.execute(target, requestMetaOf(request));
    return VERIFICATION_ACCEPTED;
  }

  @Post('verify/confirm')
  @UseCaseSpan('identity.confirm_email_verification')
  @HttpCode(200)
  @RateLimit('tokenConfirm')
  verificationConfirm(
    @Body() body: VerificationConfirmRequest,
    @Req() request: FastifyRequest,
  ): Promise<UserPublic> {
    return this.confirmVerification.execute(proofOf(body), requestMetaOf(request));
  }

  @Post('password/change')
  @UseCaseSpan('identity.change_password')
  @HttpCode(204)
  @UseGuards(BearerAuthGuard)
  @RequirePermissions('account:write')
  async passwordChange(
    @Body() body: PasswordChangeRequest,
    @Req() request: FastifyRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.changePassword.execute(
      { userId: principal.userId, sessionId: principal.sessionId, ...body },
      requestMetaOf(request),
    );
  }
}

function proofOf(body: VerificationConfirmRequest): VerificationProof {
  const { token, email, code } = body;
  if (token !== undefined && email === undefined && code === undefined) return { token };
  if (token === undefined && email !== undefined && code !== undefined) return { email, code };
  throw new ValidationFailed([
    { field: 'body', message: 'must hold either token, or email and code (not both, not neither)' },
  ]);
}
