import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Optional } from '@latchkey/platform-http';
import { GLOBAL_ROLES, type GlobalRole } from '../../domain/profile';

// Names match docs/openapi.yaml. Unknown fields (email, roles, id on PATCH) are refused by the
// global ValidationPipe (forbidNonWhitelisted): each has its own route, or none.

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class ListUsersQuery {
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @Optional()
  @IsUUID('all', { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;

  @Optional()
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an email address' })
  email?: string;
}

export class UpdateUserRequest {
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

export class SetRolesRequest {
  @IsArray()
  @ArrayMaxSize(GLOBAL_ROLES.length)
  @IsIn(GLOBAL_ROLES, { each: true, message: `each role must be one of ${GLOBAL_ROLES.join(', ')}` })
  roles!: GlobalRole[];
}
