import { Module } from '@nestjs/common';

/** Profiles, roles and organizations. Other modules reach it only through ./index.ts. */
@Module({})
export class UserProfileModule {}
