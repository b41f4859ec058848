import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ServiceUnavailable, ValidationFailed } from '@latchkey/shared-kernel';
import { DrizzleQueryError } from 'drizzle-orm';
import { mapError } from './error-mapper';

describe('mapError', () => {
  it('maps a domain error to its code, status, details and Retry-After', () => {
    const mapped = mapError(new ServiceUnavailable('db down', { retryAfterSeconds: 5 }), 'trace-1234');
    expect(mapped).toMatchObject({ status: 503, headers: { 'retry-after': '5' }, unexpected: false });
    expect(mapped.body).toEqual({ message: 'db down', code: 'SERVICE_UNAVAILABLE', traceId: 'trace-1234' });

    const invalid = mapError(
      new ValidationFailed([{ field: 'email', message: 'email must be an email' }]),
      't',
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.details).toEqual([{ field: 'email', message: 'email must be an email' }]);
  });

  it('answers an unexpected error with a generic 500 that carries none of its internals', () => {
    const error = new Error('relation "accounts" does not exist at /srv/app/dist/repo.js:42');
    const mapped = mapError(error, 'trace-1234');
    expect(mapped.status).toBe(500);
    expect(mapped.unexpected).toBe(true);
    expect(mapped.body).toEqual({
      message: 'Internal server error',
      code: 'INTERNAL',
      traceId: 'trace-1234',
    });
    expect(JSON.stringify(mapped.body)).not.toMatch(/relation|dist|repo/);
  });

  it('maps Nest HTTP exceptions by status without echoing their messages', () => {
    expect(mapError(new NotFoundException('Cannot GET /secret/path'), 't').body).toEqual({
      message: 'Not found',
      code: 'NOT_FOUND',
      traceId: 't',
    });
    expect(mapError(new BadRequestException(), 't').body.code).toBe('VALIDATION_FAILED');
  });

  it("recognises Fastify's parser errors wrapped by Nest", () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      name: 'FastifyError',
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    const wrapped = new BadRequestException('x', { cause: tooLarge });
    expect(mapError(wrapped, 't')).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });

    const invalidJson = Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 });
    expect(mapError(invalidJson, 't').body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'body', message: 'The request body is not valid JSON' }],
    });
  });

  it('a database that cannot be reached → 503 SERVICE_UNAVAILABLE with Retry-After, logged as a warning', () => {
    const lost = new DrizzleQueryError(
      'select "id" from "accounts" where "email" = $1',
      ['a@example.com'],
      new Error('Connection terminated unexpectedly'),
    );
    expect(mapError(lost, 't')).toEqual({
      status: 503,
      body: {
        message: 'The service is temporarily unable to reach its database; retry later',
        code: 'SERVICE_UNAVAILABLE',
        traceId: 't',
      },
      headers: { 'retry-after': '5' },
      unexpected: false,
      warning: 'database unavailable',
    });
    const broken = new DrizzleQueryError(
      'select nope',
      [],
      Object.assign(new Error('syntax error'), { code: '42601', severity: 'ERROR' }),
    );
    expect(mapError(broken, 't')).toMatchObject({ status: 500, unexpected: true });
  });
});
