import { readGatewayConfig } from './gateway-config';
import { EnvReader, readPlatformConfig } from '@latchkey/platform';

const KEYS = JSON.stringify({
  'auth-service': 'a'.repeat(43),
  'user-service': 'b'.repeat(43),
});

describe('the gateway’s configuration in production', () => {
  it('asks nothing of a database or a mail server, which it never uses', () => {
    const { problems } = readGatewayConfig({
      NODE_ENV: 'production',
      REFRESH_TOKEN_PEPPER: 'p'.repeat(48),
      JWT_ISSUER: 'https://auth.example.com',
      INTERNAL_AUTH_KEYS: KEYS,
      AUTH_SERVICE_URL: 'http://auth-service:3001',
      USER_SERVICE_URL: 'http://user-service:3002',
    });
    expect(problems).toEqual([]);
  });

  it('still refuses what it does use; a process that does use them is still asked for them', () => {
    expect(
      readGatewayConfig({ NODE_ENV: 'production' })
        .problems.map((p) => p.split(':')[0])
        .sort(),
    ).toEqual(['INTERNAL_AUTH_KEYS', 'JWT_ISSUER', 'REFRESH_TOKEN_PEPPER']);
    // Every other process (the services, the monolith) is.
    const read = new EnvReader({ NODE_ENV: 'production' });
    readPlatformConfig(read);
    expect(read.problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'SMTP_URL', 'APP_BASE_URL']),
    );
  });
});
