import { loadConfig, readConfig } from './api-config';
import { InvalidConfiguration } from '@latchkey/platform';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof InvalidConfiguration) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('starts on documented defaults with an empty environment', () => {
    const { platform: config, identity } = loadConfig({});
    expect(config.nodeEnv).toBe('development');
    expect(config.http).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      bodyLimitBytes: 65_536,
      corsOrigins: [],
    });
    expect(config.database.url).toBeUndefined();
    expect(config.database.dataDir).toMatch(/\.data$/);
    expect(identity.keys).toMatchObject({ rsaBits: 2048, jwksCacheTtlSeconds: 300 });
    expect(identity.keys.dir).toBe(`${config.database.dataDir}/keys`);
  });

  it('relaxes the registrations-per-IP limit in development only', () => {
    expect(loadConfig({}).platform.abuse.limits.registerIp).toEqual({ limit: 100, windowSeconds: 60 });
    expect(loadConfig({ NODE_ENV: 'test' }).platform.abuse.limits.registerIp).toEqual({
      limit: 10,
      windowSeconds: 3600,
    });
    expect(
      loadConfig({ NODE_ENV: 'development', RATE_LIMIT_REGISTER_IP: '5/1h' }).platform.abuse.limits
        .registerIp,
    ).toEqual({
      limit: 5,
      windowSeconds: 3600,
    });
  });

  it('names every bad variable in one message', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      JWT_RSA_BITS: '1024',
      DB_MIGRATE_ON_START: 'maybe',
    });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/^PORT: .*"eighty"/m);
    expect(problems.join('\n')).toMatch(/^LOG_LEVEL: /m);
    expect(problems.join('\n')).toMatch(/^JWT_RSA_BITS: /m);
    expect(problems.join('\n')).toMatch(/^DB_MIGRATE_ON_START: /m);
  });

  it('refuses a wildcard or a path in CORS_ORIGINS, since credentials are allowed', () => {
    expect(problemsOf({ CORS_ORIGINS: '*' })[0]).toMatch(/^CORS_ORIGINS: .*bad: \*/);
    expect(problemsOf({ CORS_ORIGINS: 'https://ok.example, https://app.example/path' })[0]).toMatch(
      /bad: https:\/\/app.example\/path/,
    );
    expect(
      loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).platform.http.corsOrigins,
    ).toEqual(['https://a.example', 'http://localhost:5173']);
  });

  it('refuses a non-postgres DATABASE_URL without echoing it (URLs carry passwords)', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'mysql://root:s3cret@db/app' });
    expect(problem).toMatch(/^DATABASE_URL: must use postgres: or postgresql:/);
    expect(problem).not.toContain('s3cret');
  });

  it('requires the secrets, the public URLs and a mail server in production, naming each', () => {
    const problems = problemsOf({ NODE_ENV: 'production', KEYS_STORE: 'database' });
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'APP_BASE_URL',
      'DATABASE_URL',
      'JWT_ISSUER',
      'KEY_ENCRYPTION_KEY',
      'REFRESH_TOKEN_PEPPER',
      'SMTP_URL',
    ]);
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://latchkey@db:5432/latchkey',
      JWT_ISSUER: 'https://auth.example.com',
      APP_BASE_URL: 'https://app.example.com/',
      REFRESH_TOKEN_PEPPER: 'x'.repeat(32),
    };
    expect(loadConfig({ ...production, SMTP_URL: 'smtp://mailer:587' }).platform.mail).toMatchObject({
      transport: 'smtp',
      appBaseUrl: 'https://app.example.com',
    });
    // Logging emails (their links and codes) in production must be asked for by name.
    expect(loadConfig({ ...production, MAIL_TRANSPORT: 'log' }).platform.mail.transport).toBe('log');
  });

  it('takes DATABASE_IAM_AUTH only with a user, no password and TLS in DATABASE_URL', () => {
    const proxy = 'postgres://latchkey@proxy.example.internal:5432/latchkey';
    expect(
      loadConfig({ DATABASE_URL: `${proxy}?sslmode=verify-full`, DATABASE_IAM_AUTH: 'true' }).platform
        .database.iamAuth,
    ).toBe(true);
    expect(loadConfig({ DATABASE_URL: proxy }).platform.database.iamAuth).toBe(false);
    const refusal = (env: Record<string, string>) =>
      problemsOf({ DATABASE_IAM_AUTH: 'true', ...env }).filter((p) => p.startsWith('DATABASE_IAM_AUTH'));
    expect(refusal({})).toEqual([expect.stringMatching(/needs DATABASE_URL \(/)]);
    expect(refusal({ DATABASE_URL: 'postgres://proxy:5432/latchkey?sslmode=require' })).toEqual([
      expect.stringMatching(/to name the database user/),
    ]);
    expect(
      refusal({ DATABASE_URL: 'postgres://latchkey:secret@proxy:5432/latchkey?sslmode=require' }),
    ).toEqual([expect.stringMatching(/the IAM token is the password/)]);
    expect(refusal({ DATABASE_URL: proxy })).toEqual([expect.stringMatching(/over TLS only/)]);
  });

  it('refuses the embedded database in production unless it is allowed by name', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_ISSUER: 'https://auth.example.com',
      APP_BASE_URL: 'https://app.example.com',
      REFRESH_TOKEN_PEPPER: 'x'.repeat(32),
      MAIL_TRANSPORT: 'log',
    };
    expect(problemsOf(production)).toEqual([
      expect.stringMatching(/^DATABASE_URL: is required in production .*ALLOW_EMBEDDED_DATABASE=true/),
    ]);
    expect(
      loadConfig({ ...production, ALLOW_EMBEDDED_DATABASE: 'true' }).platform.database.url,
    ).toBeUndefined();
    // A malformed URL is one problem, not also a missing one.
    expect(problemsOf({ ...production, DATABASE_URL: 'not a url' })).toEqual([
      'DATABASE_URL: must be a valid URL',
    ]);
    // Development and tests keep the embedded default.
    expect(loadConfig({}).platform.database.url).toBeUndefined();
  });

  it('reports every problem and still yields a configuration to look further with', () => {
    const { config, problems } = readConfig({ NODE_ENV: 'production', PORT: 'eighty' });
    expect(problems.length).toBeGreaterThan(4);
    expect(config.platform.http.port).toBe(3000);
  });

  it('sends mail to the log by default in development, through SMTP once SMTP_URL is set', () => {
    expect(loadConfig({}).platform.mail).toMatchObject({
      transport: 'log',
      appBaseUrl: 'http://localhost:3000',
      verifyEmailPath: '/verify-email',
      passwordResetPath: '/reset-password',
    });
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:1025' }).platform.mail.transport).toBe('smtp');
    expect(problemsOf({ MAIL_TRANSPORT: 'smtp' })[0]).toMatch(
      /^SMTP_URL: is required with MAIL_TRANSPORT=smtp/,
    );
    expect(problemsOf({ SMTP_URL: 'http://mail.example' })[0]).toMatch(/^SMTP_URL: must use smtp: or smtps:/);
    expect(problemsOf({ PASSWORD_RESET_PATH: 'reset' })[0]).toMatch(/^PASSWORD_RESET_PATH: must be a path/);
  });

  it('trusts X-Forwarded-For only from listed proxies, never by hop count', () => {
    expect(loadConfig({}).platform.http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).platform.http.trustProxy).toEqual([
      '10.0.0.0/8',
      'loopback',
    ]);
    expect(problemsOf({ TRUST_PROXY: '1' })[0]).toMatch(/^TRUST_PROXY: .*hop count/);
    expect(problemsOf({ TRUST_PROXY: 'true' })[0]).toMatch(/^TRUST_PROXY:/);
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).platform.database.url).toBeUndefined();
  });

  it('reports the problems through the error message main() prints', () => {
    expect(() => loadConfig({ PORT: '-1' })).toThrow(
      /Invalid configuration:\n {2}- PORT: must be an integer from 0 to 65535/,
    );
  });
});
