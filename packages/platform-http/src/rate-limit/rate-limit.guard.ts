import { applyDecorators, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@latchkey/shared-kernel';
import type { Counter } from 'prom-client';
import { Metrics, type RateLimitName, StoreFailurePolicy } from '@latchkey/platform';

export type RouteClass =
  | 'login'
  | 'register'
  | 'refresh'
  | 'logout'
  | 'passwordResetRequest'
  | 'verifyRequest'
  | 'tokenConfirm'
  | 'slugCheck';

/**
 * Which limits count a route class's requests (per IP, per email). Counters are kept per route,
 * so two routes of one class do not share a budget.
 */
export const LIMITS_OF: Readonly<Record<RouteClass, readonly RateLimitName[]>> = {
  login: ['loginIp', 'loginEmail'],
  register: ['registerIp'],
  refresh: ['refreshIp'],
  logout: ['logoutIp'],
  passwordResetRequest: ['passwordResetIp', 'passwordResetEmail'],
  verifyRequest: ['verifyRequestIp', 'verifyRequestEmail'],
  tokenConfirm: ['tokenConfirmIp'],
  slugCheck: ['slugCheckIp'],
};

export const ROUTE_CLASS = 'latchkey:rate-limit-class';

export class RateLimited extends DomainError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(retryAfterSeconds: number) {
    super('Too many requests; retry later', { retryAfterSeconds: Math.max(1, retryAfterSeconds) });
  }
}

interface Budget {
  limit: number;
  remaining: number;
  reset: number;
}
const budgetKey = Symbol('rateLimitBudget');
type RequestWithBudget = FastifyRequest & { [budgetKey]?: Budget };

/**
 * @nestjs/throttler's guard with the behaviour this API promises: counters in the configured
 * store (memory or Redis) under RATE_LIMIT_FAIL_MODE, the IETF RateLimit-Limit / -Remaining /
 * -Reset headers for the tightest limit the request met, and 429 as an ErrorResponse
 * (RATE_LIMITED) with Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly failure: StoreFailurePolicy,
    metrics: Metrics,
  ) {
    super(options, storage, reflector);
    this.rejections = metrics.counter(
      'latchkey_rate_limit_rejections_total',
      'Requests refused with 429, by the limit they exceeded (RATE_LIMIT_*)',
      ['limiter'],
    );
    this.logins = metrics.counter('latchkey_logins_total', 'Login attempts, by outcome', ['outcome']);
    // A series per limit from the start, so a rate or an alert has one before the first 429.
    for (const limiter of new Set(Object.values(LIMITS_OF).flat())) this.rejections.inc({ limiter }, 0);
  }

  private readonly rejections: Counter<'limiter'>;
  private readonly logins: Counter<'outcome'>;

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = request;
    const http = context.switchToHttp();
    const req = http.getRequest<RequestWithBudget>();
    const name = throttler.name ?? 'default';
    const key = generateKey(context, await getTracker(req, context), name);
    const record = await this.failure.guard(
      `rate limit ${name}`,
      () => this.storageService.increment(key, ttl, limit, blockDuration, name),
      undefined,
    );
    if (!record) return true; // store down, failing open

    const budget: Budget = {
      limit,
      remaining: Math.max(0, limit - record.totalHits),
      reset: record.timeToExpire,
    };
    const tightest = req[budgetKey];
    if (!tightest || budget.remaining < tightest.remaining) req[budgetKey] = budget;
    const shown = req[budgetKey]!;
    void http
      .getResponse<FastifyReply>()
      .header('ratelimit-limit', String(shown.limit))
      .header('ratelimit-remaining', String(shown.remaining))
      .header('ratelimit-reset', String(shown.reset));
    if (record.isBlocked) {
      this.rejections.inc({ limiter: name });
      // The use case never sees this attempt: counted here as the login outcome it is.
      if (this.reflector.get<RouteClass | undefined>(ROUTE_CLASS, context.getHandler()) === 'login')
        this.logins.inc({ outcome: 'rate_limited' });
      throw new RateLimited(record.timeToBlockExpire);
    }
    return true;
  }
}

/** Counts the route's requests against its class's limits (see LIMITS_OF). */
export const RateLimit = (routeClass: RouteClass) =>
  applyDecorators(SetMetadata(ROUTE_CLASS, routeClass), UseGuards(RateLimitGuard));
