import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapError } from './error-mapper';

/**
 * The one global filter: every error, from a use case, a guard, the validation pipe or Fastify's
 * body parser (Nest routes those here too), leaves as an ErrorResponse with the request's id.
 */
@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const mapped = mapError(error, request.id);
    if (mapped.unexpected) request.log.error({ err: error }, 'unexpected error');
    void http
      .getResponse<FastifyReply>()
      .status(mapped.status)
      .headers(mapped.headers)
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(mapped.body);
  }
}
