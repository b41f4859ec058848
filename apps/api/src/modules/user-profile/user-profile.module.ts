import { Module } from '@nestjs/common';
import { CreateProfile } from './application/create-profile';
import { GetProfile } from './application/get-profile';
import { ProfileRepository } from './application/ports';
import { DrizzleProfileRepository } from './adapters/persistence/drizzle-profile-repository';

/** Profiles, roles and organizations. Other modules reach it only through ./index.ts. */
@Module({
  providers: [{ provide: ProfileRepository, useClass: DrizzleProfileRepository }, CreateProfile, GetProfile],
  exports: [CreateProfile, GetProfile],
})
export class UserProfileModule {}
