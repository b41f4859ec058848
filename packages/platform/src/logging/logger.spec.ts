import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm';
import { createLogger, maskTokens } from './logger';

const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwic2lkIjoiYWJjIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';

function capture(): { lines: () => string; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { lines: () => chunks.join(''), stream };
}

describe('logger redaction', () => {
  it('removes passwords, tokens and credentials headers by path', () => {
    const out = capture();
    const logger = createLogger('info', out.stream);
    logger.info(
      {
        body: { email: 'a@example.com', password: 'hunter2-hunter2', newPassword: 'n3w-secret-value' },
        tokens: { refreshToken: 'r3fresh-value', accessToken: JWT },
        req: { headers: { authorization: `Bearer ${JWT}`, cookie: 'lk_refresh=cookie-secret' } },
        res: { headers: { 'set-cookie': 'lk_refresh=cookie-secret; HttpOnly' } },
      },
      'login attempt',
    );
    const written = out.lines();
    for (const secret of ['hunter2-hunter2', 'n3w-secret-value', 'r3fresh-value', JWT, 'cookie-secret']) {
      expect(written).not.toContain(secret);
    }
    expect(written).toContain('a@example.com');
    expect(written).toContain('[REDACTED]');
  });

  it("keeps a failed statement's text but not its values (hashes, addresses, names)", () => {
    const out = capture();
    const logger = createLogger('info', out.stream);
    const driverError = Object.assign(new Error('invalid byte sequence'), { params: ['driver-value'] });
    const error = Object.assign(new Error('Failed query: insert into "profiles"'), {
      query: 'insert into "profiles" ("name") values ($1)',
      params: ['Victoria Secretname'],
      cause: driverError,
    });
    logger.error({ err: error }, 'unexpected error');
    const written = out.lines();
    expect(written).toContain('insert into \\"profiles\\"');
    expect(written).not.toContain('Victoria Secretname');
    expect(written).not.toContain('driver-value');
  });

  it("logs a database error by statement, code and constraint: drizzle's message and the server's detail quote values", () => {
    const out = capture();
    const logger = createLogger('info', out.stream);
    // What pg raises for a duplicate address, wrapped as drizzle wraps it: both the message
    // ("params: ada@example.com,…") and the detail quote the values.
    const serverError = Object.assign(
      new Error('duplicate key value violates unique constraint "accounts_email"'),
      {
        code: '23505',
        severity: 'ERROR',
        constraint: 'accounts_email',
        table: 'accounts',
        routine: '_bt_check_unique',
        detail: 'Key (email)=(ada.secret@example.com) already exists.',
      },
    );
    const error = new DrizzleQueryError(
      'insert into "accounts" ("email", "password_hash") values ($1, $2)',
      ['ada.secret@example.com', '$argon2id$v=19$secret-hash'],
      serverError,
    );
    logger.error({ err: new Error('sign-up failed', { cause: error }) }, 'unexpected error');
    const written = out.lines();
    expect(written).not.toContain('ada.secret');
    expect(written).not.toContain('secret-hash');
    const line = JSON.parse(written) as { err: { message: string; database: Record<string, string> } };
    expect(line.err.message).toBe('database error 23505');
    expect(line.err.database).toEqual({
      query: 'insert into "accounts" ("email", "password_hash") values ($1, $2)',
      code: '23505',
      severity: 'ERROR',
      routine: '_bt_check_unique',
      constraint: 'accounts_email',
      table: 'accounts',
    });
  });

  it("logs a lost connection by pg's own words, which carry no values", () => {
    const out = capture();
    const error = new DrizzleQueryError(
      'select "id" from "accounts" where "email" = $1',
      ['bob.secret@example.com'],
      new Error('Connection terminated unexpectedly'),
    );
    createLogger('info', out.stream).warn({ err: error }, 'database unavailable');
    const line = JSON.parse(out.lines()) as { err: { message: string } };
    expect(out.lines()).not.toContain('bob.secret');
    expect(line.err.message).toBe('database error Connection terminated unexpectedly');
  });

  it('logs any other error as pino does, message and stack included', () => {
    const out = capture();
    createLogger('info', out.stream).error({ err: new TypeError('boom') }, 'unexpected error');
    expect(JSON.parse(out.lines())).toMatchObject({ err: { type: 'TypeError', message: 'boom' } });
  });

  it('masks anything shaped like a JWT inside message strings', () => {
    const out = capture();
    createLogger('info', out.stream).warn(`could not verify ${JWT} for user 42`);
    expect(out.lines()).not.toContain(JWT);
    expect(out.lines()).toContain('could not verify [REDACTED] for user 42');
  });

  it('leaves ordinary text alone', () => {
    expect(maskTokens('eyJ alone is not a token; neither is a.b.c')).toBe(
      'eyJ alone is not a token; neither is a.b.c',
    );
  });
});
