import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsNotEmpty,
  IsObject,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { Optional } from '@latchkey/platform-http';

// Names match docs/openapi.yaml's schemas. Lengths here are cheap guards; the password policy
// (minimum length, blocklist, 256 code points) is the domain's and reports its own details.

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class RegisterRequest {
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsString()
  @MaxLength(4096)
  password!: string;

  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

export class LoginRequest {
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  password!: string;

  @Optional()
  @IsString()
  @Length(1, 128)
  deviceId?: string;
}

export class RefreshRequest {
  @Optional()
  @IsString()
  @Length(1, 512)
  refreshToken?: string;
}

export class LogoutRequest {
  @Optional()
  @IsString()
  @Length(1, 512)
  refreshToken?: string;

  @Optional()
  @IsBoolean()
  allDevices?: boolean;
}

/** The body of a 202 that must not say whether an account exists. */
export interface AcceptedResponse {
  message: string;
}

export class PasswordResetRequest {
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;
}

export class PasswordResetConfirmRequest {
  @IsString()
  @Length(1, 512)
  token!: string;

  @IsString()
  @MaxLength(4096)
  newPassword!: string;
}

export class PasswordChangeRequest {
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  currentPassword!: string;

  @IsString()
  @MaxLength(4096)
  newPassword!: string;
}

/** Without a bearer token, `email` names the address; with one, the body names nothing. */
export class VerificationRequest {
  @Optional()
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email?: string;
}

/** Either `token` (from the link) or `email` with `code` (typed in); the controller checks which. */
export class VerificationConfirmRequest {
  @Optional()
  @IsString()
  @Length(1, 512)
  token?: string;

  @Optional()
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email?: string;

  @Optional()
  @Transform(trim)
  @Matches(/^[0-9]{6}$/, { message: 'code must be the 6 digits from the email' })
  code?: string;
}

export class NewOrganizationRequest {
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  /** Format and reserved words are the domain's rule, reported as `organization.slug`. */
  @IsString()
  @MaxLength(63)
  slug!: string;
}

export class SignUpRequest extends RegisterRequest {
  @IsObject()
  @ValidateNested()
  @Type(() => NewOrganizationRequest)
  organization!: NewOrganizationRequest;

  @Optional()
  @IsString()
  @Length(1, 128)
  deviceId?: string;
}

export class SwitchOrganizationRequest {
  @IsUUID('all', { message: 'organizationId must be a UUID' })
  organizationId!: string;
}
