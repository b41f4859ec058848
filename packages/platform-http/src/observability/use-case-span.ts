import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { AppConfig, inSpan } from '@latchkey/platform';
import type { Principal } from '@latchkey/shared-kernel';

const SPAN_NAME = 'latchkey:use-case-span';

/**
 * Wraps the route's handler, and so the one use case it calls, in a span named after the
 * user's intention (`identity.login`). A child of the HTTP server span; the use case's queries,
 * argon2 runs and signatures are its children. The authenticated user's id is added as
 * `enduser.id` only with OTEL_CAPTURE_USER_ID=true: a trace backend is not a place for
 * identifiers by default.
 */
@Injectable()
export class UseCaseSpanInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const name = this.reflector.get<string | undefined>(SPAN_NAME, context.getHandler());
    if (name === undefined) return next.handle();
    const request = context.switchToHttp().getRequest<{ principal?: Principal }>();
    return from(
      inSpan(name, (span) => {
        const userId = request.principal?.userId;
        if (this.config.observability.captureUserId && userId) span.setAttribute('enduser.id', userId);
        return lastValueFrom(next.handle(), { defaultValue: undefined });
      }),
    );
  }
}

/** `@UseCaseSpan('identity.refresh')` on a controller method. */
export const UseCaseSpan = (name: string) =>
  applyDecorators(SetMetadata(SPAN_NAME, name), UseInterceptors(UseCaseSpanInterceptor));
