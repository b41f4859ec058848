import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapError, type MappedError } from './error-mapper';

/** Sends a mapped error as the ErrorResponse body, never cached. */
export function sendError(reply: FastifyReply, mapped: MappedError): void {
  void reply
    .status(mapped.status)
    .headers(mapped.headers)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(mapped.body);
}

/**
 * The one global filter: every error, from a use case, a guard, the validation pipe or Fastify's
 * body parser (Nest routes those here too), leaves as an ErrorResponse with the request's id.
 * What Fastify answers before any route (a bad URL, an over-long parameter, oversized headers)
 * goes through the same mapper: see framework-errors.ts.
 */
@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const mapped = mapError(error, request.id);
    if (mapped.unexpected) request.log.error({ err: error }, 'unexpected error');
    else if (mapped.warning) request.log.warn({ err: error }, mapped.warning);
    sendError(http.getResponse<FastifyReply>(), mapped);
  }
}
