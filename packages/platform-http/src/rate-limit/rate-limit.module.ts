import { type ExecutionContext, Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { Clock } from '@latchkey/shared-kernel';
import { AppConfig, type RateLimitName, RedisConnection } from '@latchkey/platform';
import { clientKey, emailKey } from './client-key';
import { LIMITS_OF, RateLimitGuard, ROUTE_CLASS, type RouteClass } from './rate-limit.guard';
import { MemoryThrottlerStorage, RedisThrottlerStorage } from './throttler-storages';

/**
 * What each limit counts its requests under. Logins are counted per address *and* account:
 * counted per account alone, anyone could spend the owner's budget from other addresses and keep
 * them out for good (the account-wide protection is the lockout's, which only slows guessing
 * down). Reset and verification requests are counted per account: that limit protects the
 * owner's mailbox, whoever asks.
 */
const COUNTED_BY: Readonly<Record<RateLimitName, 'ip' | 'email' | 'ip and email'>> = {
  loginIp: 'ip',
  loginEmail: 'ip and email',
  registerIp: 'ip',
  refreshIp: 'ip',
  logoutIp: 'ip',
  passwordResetIp: 'ip',
  passwordResetEmail: 'email',
  verifyRequestIp: 'ip',
  verifyRequestEmail: 'email',
  tokenConfirmIp: 'ip',
  slugCheckIp: 'ip',
};

const appliesTo = (name: RateLimitName) => (context: ExecutionContext) => {
  const routeClass = Reflect.getMetadata(ROUTE_CLASS, context.getHandler()) as RouteClass | undefined;
  if (routeClass === undefined || !LIMITS_OF[routeClass].includes(name)) return false;
  // A limit that counts the email counts requests that name an address; a signed-in caller's
  // request (verification for the bearer's own address) names none and is counted per IP only.
  if (COUNTED_BY[name] === 'ip') return true;
  const body = context.switchToHttp().getRequest<FastifyRequest>().body as { email?: unknown } | undefined;
  return typeof body?.email === 'string';
};

const ipOf = (request: Record<string, unknown>) => clientKey((request as unknown as FastifyRequest).ip);
const emailOf = (request: Record<string, unknown>) => emailKey((request as unknown as FastifyRequest).body);
const TRACKERS = {
  ip: ipOf,
  email: emailOf,
  'ip and email': (request: Record<string, unknown>) => `${ipOf(request)}|${emailOf(request)}`,
} as const;

const trackerOf = (name: RateLimitName) => TRACKERS[COUNTED_BY[name]];

/** One named throttler per configured limit, each counting only the routes of its class. */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, Clock, RedisConnection],
      useFactory: (config: AppConfig, clock: Clock, redis: RedisConnection) => ({
        throttlers: (
          Object.entries(config.abuse.limits) as [RateLimitName, { limit: number; windowSeconds: number }][]
        ).map(([name, setting]) => ({
          name,
          limit: setting.limit,
          ttl: setting.windowSeconds * 1000,
          blockDuration: setting.windowSeconds * 1000,
          getTracker: trackerOf(name),
          skipIf: (context: ExecutionContext) => !appliesTo(name)(context),
        })),
        storage: redis.client
          ? new RedisThrottlerStorage(redis.client, redis.keyPrefix)
          : new MemoryThrottlerStorage(clock),
        setHeaders: false,
      }),
    }),
  ],
  providers: [RateLimitGuard],
  exports: [ThrottlerModule, RateLimitGuard],
})
export class RateLimitModule {}
