import { Writable } from 'node:stream';
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
