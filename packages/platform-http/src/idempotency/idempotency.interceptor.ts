import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { Clock, DomainError, ValidationFailed } from '@latchkey/shared-kernel';
import { ServerSecrets } from '@latchkey/platform';
import { unversionedRoute } from '../http/api-version';
import { successStatus, successStatusOf } from '../http/response-status';
import { IdempotencyStore } from './idempotency-store';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const ACCEPTABLE_KEY = /^[\x21-\x7e]{1,255}$/;
const HTTP_CODE_METADATA = '__httpCode__'; // @nestjs/common's @HttpCode() metadata key

export class IdempotencyKeyMismatch extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_MISMATCH' as const;
  constructor() {
    super('This Idempotency-Key was used with a different request body');
  }
}

export class IdempotentRequestInFlight extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor() {
    super('A request with this Idempotency-Key is still being processed');
  }
}

/** JSON with object keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are one request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Keyed, because the body holds a password: a plain hash would be a fast offline oracle for it. */
export function idempotencyRequestHash(secrets: ServerSecrets, scope: string, body: unknown): string {
  return secrets.keyedHash('latchkey/idempotency/v1', `${scope}\n${canonicalJson(body)}`);
}

/**
 * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): the same key with the same body
 * within 24 h replays the first response (one side effect); with another body, 422; while the
 * first is still running, 409. A failed request releases its key so the client can retry.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly secrets: ServerSecrets,
    private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) return next.handle();
    return from(this.handle(context, next, request, http.getResponse<FastifyReply>(), key));
  }

  private async handle(
    context: ExecutionContext,
    next: CallHandler,
    request: FastifyRequest,
    reply: FastifyReply,
    key: string | string[],
  ): Promise<unknown> {
    if (typeof key !== 'string' || !ACCEPTABLE_KEY.test(key)) {
      throw new ValidationFailed([
        { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    // Both prefixes of a route are one operation: a retry through the other one is still a retry.
    const scope = `${request.method} ${unversionedRoute(request.routeOptions.url ?? request.url)}`;
    const requestHash = idempotencyRequestHash(this.secrets, scope, request.body);

    const claim = await this.store.claim(scope, key, requestHash, this.clock.now());
    switch (claim.kind) {
      case 'mismatch':
        throw new IdempotencyKeyMismatch();
      case 'in_flight':
        throw new IdempotentRequestInFlight();
      case 'replay':
        successStatus(request, claim.status);
        void reply.header('idempotent-replayed', 'true');
        return claim.body;
      case 'claimed':
        break;
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const status =
        successStatusOf(request) ??
        (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
        (request.method === 'POST' ? 201 : 200);
      await this.store.complete(scope, key, status, body);
      return body;
    } catch (error) {
      await this.store.release(scope, key);
      throw error;
    }
  }
}

/** Marks a handler as accepting `Idempotency-Key`. */
export const Idempotent = () => UseInterceptors(IdempotencyInterceptor);
