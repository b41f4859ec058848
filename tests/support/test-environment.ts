/** The environment every black-box suite's processes start from; a suite's own values on top. */
export function testEnvironment(
  dataDir: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    // Cheap argon2 keeps the suites fast; one test pins the production parameters, and the
    // timing test runs with them.
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    // Every suite logs in from 127.0.0.1 many times over: abuse controls stay out of the way
    // except where a suite sets realistic values to test them.
    RATE_LIMIT_LOGIN_IP: '100000/1m',
    RATE_LIMIT_LOGIN_EMAIL: '100000/1m',
    RATE_LIMIT_REGISTER_IP: '100000/1m',
    RATE_LIMIT_REFRESH_IP: '100000/1m',
    RATE_LIMIT_LOGOUT_IP: '100000/1m',
    RATE_LIMIT_PASSWORD_RESET_IP: '100000/1m',
    RATE_LIMIT_PASSWORD_RESET_EMAIL: '100000/1m',
    RATE_LIMIT_VERIFY_REQUEST_IP: '100000/1m',
    RATE_LIMIT_VERIFY_REQUEST_EMAIL: '100000/1m',
    RATE_LIMIT_TOKEN_CONFIRM_IP: '100000/1m',
    RATE_LIMIT_SLUG_CHECK_IP: '100000/1m',
    LOGIN_LOCKOUT_THRESHOLD: '10000',
    ...overrides,
  };
}

/**
 * `describe` for a suite about the embedded database (PGlite) whatever the others run on: it runs
 * when no TEST_DATABASE_URL is set (CI's PGlite run) and is skipped beside a server, so it runs once.
 */
export const describeEmbeddedOnly: jest.Describe = process.env.TEST_DATABASE_URL ? describe.skip : describe;
