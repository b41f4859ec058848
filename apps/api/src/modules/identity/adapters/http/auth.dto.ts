import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsNotEmpty, IsOptional, IsString, Length, MaxLength } from 'class-validator';

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

  @IsOptional()
  @IsString()
  @Length(1, 128)
  deviceId?: string;
}

export class RefreshRequest {
  @IsOptional()
  @IsString()
  @Length(1, 512)
  refreshToken?: string;
}

export class LogoutRequest {
  @IsOptional()
  @IsString()
  @Length(1, 512)
  refreshToken?: string;

  @IsOptional()
  @IsBoolean()
  allDevices?: boolean;
}
