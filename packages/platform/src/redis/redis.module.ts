import { Global, Module } from '@nestjs/common';
import { RedisConnection } from './redis-connection';
import { StoreFailurePolicy } from './store-failure-policy';

/** Redis (when REDIS_URL is set) and what to do when it cannot be reached. */
@Global()
@Module({ providers: [RedisConnection, StoreFailurePolicy], exports: [RedisConnection, StoreFailurePolicy] })
export class RedisModule {}
