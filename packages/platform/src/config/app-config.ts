import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { DAY, type Env, EnvReader, HOUR } from './env-reader';

export type NodeEnv = 'development' | 'test' | 'production';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The platform's configuration, typed and validated once at start-up; each business module reads
 * its own slice beside it (IdentityConfig). It is also the DI token:
 * `constructor(private readonly config: AppConfig)`. Every variable is documented in .env.example.
 */
export class AppConfig {
  constructor(
    readonly nodeEnv: NodeEnv,
    readonly http: {
      host: string;
      port: number;
      bodyLimitBytes: number;
      corsOrigins: string[];
      shutdownTimeoutMs: number;
      /** Fastify's trustProxy: whether X-Forwarded-For is believed (false, a hop count, or proxy CIDRs). */
      trustProxy: false | string[];
    },
    readonly log: { level: LogLevel },
    readonly database: {
      /** Unset: embedded PGlite persisted under `dataDir`. */
      url: string | undefined;
      poolMax: number;
      statementTimeoutMs: number;
      namedStatements: boolean;
      /** DATABASE_LISTEN: LISTEN for other processes' changes (Database.receivesNotifications). */
      listen: boolean;
      /**
       * DATABASE_IAM_AUTH: the password is an RDS IAM token made per connection from the process's
       * AWS role (RDS Proxy with IAM authentication required), never a stored one.
       */
      iamAuth: boolean;
      migrateOnStart: boolean;
      dataDir: string;
    },
    readonly secrets: {
      /**
       * The server's root secret (REFRESH_TOKEN_PEPPER): the refresh-token pepper, and the key
       * every other keyed hash derives its own from (ServerSecrets). Unset outside production:
       * generated once into DATA_DIR/secrets.
       */
      refreshTokenPepper: string | undefined;
    },
    readonly mail: {
      /** `log`: messages (links and codes included) go to the log; `smtp`: sent through SMTP_URL. */
      transport: 'log' | 'smtp';
      smtpUrl: string | undefined;
      from: string;
      /** Links in emails point at the application (the SPA), never at whatever Host a request named. */
      appBaseUrl: string;
      /**
       * Development with APP_BASE_URL unset: the links point at this API, which then serves
       * minimal pages for them (platform/http/dev-account-pages.ts) instead of 404s.
       */
      devPages: boolean;
      verifyEmailPath: string;
      passwordResetPath: string;
      outbox: {
        pollIntervalMs: number;
        maxAttempts: number;
        retryBaseSeconds: number;
        retryMaxSeconds: number;
      };
    },
    readonly redis: {
      /** Unset: limits and lockout counters live in this process's memory. */
      url: string | undefined;
      /**
       * REDIS_PASSWORD: the AUTH token, for a platform that injects it as a variable of its own
       * (ECS from Secrets Manager) beside a URL without credentials; it wins over the URL's.
       */
      password: string | undefined;
      keyPrefix: string;
    },
    readonly abuse: {
      /** What a rate limit or lockout check does when its store (Redis) is unreachable. */
      failMode: 'closed' | 'open';
      limits: Record<RateLimitName, RateLimitSetting>;
    },
    readonly events: {
      /**
       * Where the relay publishes: RabbitMQ (`AMQP_URL`) or an Amazon EventBridge bus
       * (`EVENTBRIDGE_BUS_NAME`), one or the other. Neither: events are written to the outbox (and
       * listed, replayed) but published nowhere.
       */
      amqpUrl: string | undefined;
      eventBridgeBus: string | undefined;
      /** The topic exchange events are published to; the routing key is the event type. */
      exchange: string;
      /** Published events are kept this long (for `pnpm events list|replay`), then deleted. */
      retentionSeconds: number;
      relay: {
        pollIntervalMs: number;
        /** Rows leased per pass, at most one per user (per-user order). */
        batch: number;
        /** A pass starts this long after the first new event, so the events of a busy moment share it. */
        nudgeDelayMs: number;
        retryBaseSeconds: number;
        retryMaxSeconds: number;
      };
    },
    readonly cleanup: {
      /** How often the scheduled clean-up runs (0: never; operators run `pnpm cleanup`). */
      intervalSeconds: number;
      /** Rows per batch: each batch is one short transaction. */
      batch: number;
      /** Ended sessions and spent secrets are kept this long (for investigations), then deleted. */
      retentionSeconds: number;
    },
    readonly observability: {
      /** Unset: no metrics endpoint. Never the public port (docs/observability.md). */
      metricsPort: number | undefined;
      metricsHost: string;
      /** How often the gauges read from the database (active sessions, outbox depths) are refreshed. */
      refreshSeconds: number;
      /** OTEL_CAPTURE_USER_ID: the authenticated user's id as `enduser.id` on use-case spans. */
      captureUserId: boolean;
      /**
       * The standard OTEL_* variables the tracing SDK reads (platform-telemetry), read here too
       * so a wrong value stops start-up with the others instead of being ignored, and so the
       * start-up line can say where traces go. Unset endpoint, or disabled: no tracing.
       */
      tracing: {
        endpoint: string | undefined;
        protocol: 'http/protobuf' | 'http/json';
        serviceName: string;
        disabled: boolean;
        sampler: string;
        captureClientIp: boolean;
      };
    },
  ) {}

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }
}

const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export type RateLimitName =
  | 'loginIp'
  | 'loginEmail'
  | 'registerIp'
  | 'refreshIp'
  | 'logoutIp'
  | 'passwordResetIp'
  | 'passwordResetEmail'
  | 'verifyRequestIp'
  | 'verifyRequestEmail'
  | 'tokenConfirmIp'
  | 'slugCheckIp';
export interface RateLimitSetting {
  limit: number;
  windowSeconds: number;
}

export class InvalidConfiguration extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'InvalidConfiguration';
  }
}

/**
 * A deployment's configuration from `read` (which reports every problem at once), or
 * InvalidConfiguration naming them all: each app's `load…Config`.
 */
export function loadOrRefuse<T>(read: (env: Env) => { config: T; problems: string[] }, env: Env): T {
  const { config, problems } = read(env);
  if (problems.length > 0) throw new InvalidConfiguration(problems);
  return config;
}

/** A server secret: at least 32 characters; required in production, generated in dev and tests. */
function secret(read: EnvReader, name: string, nodeEnv: NodeEnv): string | undefined {
  const value = read.optionalString(name);
  if (value !== undefined && value.length < 32)
    return read.fail(name, 'must be at least 32 characters', undefined);
  if (value === undefined && nodeEnv === 'production') {
    return read.fail(
      name,
      'is required in production (32+ random characters, e.g. `openssl rand -base64 48`), in the environment or in the secret SERVER_SECRETS_ID names',
      undefined,
    );
  }
  return value;
}

/** `<count>/<window>`, e.g. `30/5m`: at most `count` requests per key in each window. */
function rateLimit(read: EnvReader, name: string, fallback: string): RateLimitSetting {
  const raw = read.raw(name) ?? fallback;
  const match = /^(\d+)\s*\/\s*(\d+)\s*(s|m|h|d)?$/.exec(raw);
  const unit = { s: 1, m: 60, h: HOUR, d: DAY }[(match?.[3] ?? 's') as 's' | 'm' | 'h' | 'd'];
  const limit = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]) * unit;
  if (!match || limit < 1 || windowSeconds < 1 || windowSeconds > DAY) {
    read.fail(name, `must be <count>/<window> with a window up to 1d, e.g. 30/5m (got "${raw}")`, undefined);
    return { limit: 1, windowSeconds: 60 };
  }
  return { limit, windowSeconds };
}

/**
 * TRUST_PROXY: unset/false believes no X-Forwarded-For (the socket peer is the client). Otherwise
 * the proxies' addresses or CIDRs (or proxy-addr's `loopback`, `linklocal`, `uniquelocal`): hops
 * from those are skipped to find the client. A hop count is refused: it cannot tell a proxy from
 * a client who sent the header itself (Fastify 5 ignores it for that reason), nor is `true`.
 */
function trustProxy(read: EnvReader): false | string[] {
  const raw = read.raw('TRUST_PROXY');
  if (raw === undefined || raw === 'false') return false;
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const address =
    /^(loopback|linklocal|uniquelocal|\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-fA-F:]*:[0-9a-fA-F:]*(\/\d{1,3})?)$/;
  if (entries.length === 0 || entries.some((entry) => !address.test(entry))) {
    return read.fail(
      'TRUST_PROXY',
      `must be false or the proxies' addresses/CIDRs, e.g. 10.0.0.0/8 (a hop count or "true" would let clients pick their own IP; got "${raw}")`,
      false,
    );
  }
  return entries;
}

/**
 * MAIL_TRANSPORT defaults to smtp when SMTP_URL is set, log otherwise. Production must say `log`
 * out loud: that transport writes reset links and verification codes to the log.
 */
function mailTransport(
  read: EnvReader,
  smtpUrl: string | undefined,
  nodeEnv: NodeEnv,
  sendsMail: boolean,
): 'log' | 'smtp' {
  const explicit = read.raw('MAIL_TRANSPORT');
  const transport = read.oneOf('MAIL_TRANSPORT', ['log', 'smtp'], smtpUrl ? 'smtp' : 'log');
  if (transport === 'smtp' && !smtpUrl) {
    return read.fail(
      'SMTP_URL',
      'is required with MAIL_TRANSPORT=smtp (e.g. smtp://user:pass@host:587)',
      'log',
    );
  }
  if (transport === 'log' && explicit === undefined && nodeEnv === 'production' && sendsMail) {
    return read.fail(
      'SMTP_URL',
      'is required in production (or set MAIL_TRANSPORT=log to write emails, links and codes included, to the log)',
      'log',
    );
  }
  return transport;
}

/** APP_BASE_URL: where the links in emails lead. Required in production; dev follows the port. */
function appBaseUrl(read: EnvReader, nodeEnv: NodeEnv, port: number, sendsMail: boolean): string {
  const value = read.optionalUrl('APP_BASE_URL', ['http:', 'https:']);
  if (value === undefined && nodeEnv === 'production' && sendsMail) {
    return read.fail(
      'APP_BASE_URL',
      'is required in production (the URL of the application the email links open, e.g. https://app.example.com)',
      '',
    );
  }
  return (value ?? `http://localhost:${port}`).replace(/\/+$/, '');
}

function urlPath(read: EnvReader, name: string, fallback: string): string {
  const value = read.string(name, fallback);
  if (!/^\/[A-Za-z0-9\-._~/]*$/.test(value))
    return read.fail(name, `must be a path starting with / (got "${value}")`, fallback);
  return value;
}

/**
 * DATABASE_URL. Production refuses the embedded database unless ALLOW_EMBEDDED_DATABASE=true says
 * so (a single-box install): PGlite is one process with no server, so no second instance, no
 * operator command while it runs, and no backup but a copy of the stopped directory.
 */
function databaseUrl(read: EnvReader, nodeEnv: NodeEnv, opensDatabase: boolean): string | undefined {
  const url = read.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']);
  const allowEmbedded = read.bool('ALLOW_EMBEDDED_DATABASE', false);
  if (read.raw('DATABASE_URL') === undefined && nodeEnv === 'production' && !allowEmbedded && opensDatabase) {
    return read.fail(
      'DATABASE_URL',
      'is required in production (postgres://user:pass@host:5432/db), or set ALLOW_EMBEDDED_DATABASE=true to run on the embedded PGlite in DATA_DIR (one process, see docs)',
      undefined,
    );
  }
  return url;
}

/**
 * DATABASE_IAM_AUTH: only with a DATABASE_URL that names its user and no password (the token
 * takes the password's place; one written in the URL would silently lose), over TLS (RDS refuses
 * an IAM token on a plain connection).
 */
function databaseIamAuth(read: EnvReader): boolean {
  const on = read.bool('DATABASE_IAM_AUTH', false);
  if (!on) return false;
  const raw = read.raw('DATABASE_URL');
  let url: URL | undefined;
  try {
    url = raw === undefined ? undefined : new URL(raw);
  } catch {
    return false; // DATABASE_URL's own problem is reported by its reader
  }
  const problem =
    url === undefined
      ? 'needs DATABASE_URL (the RDS Proxy or cluster endpoint, with the user and no password)'
      : url.username === ''
        ? "needs DATABASE_URL to name the database user (the token is that user's)"
        : url.password !== ''
          ? 'cannot be used with a password in DATABASE_URL: the IAM token is the password; remove it'
          : !['require', 'verify-ca', 'verify-full'].includes(url.searchParams.get('sslmode') ?? '')
            ? 'needs DATABASE_URL with sslmode=verify-full (or require): RDS accepts an IAM token over TLS only'
            : undefined;
  return problem === undefined ? true : read.fail('DATABASE_IAM_AUTH', problem, false);
}

/**
 * EVENTBRIDGE_BUS_NAME: a bus name or ARN (EventBridge's own character set). Refused beside
 * AMQP_URL: the outbox has one relay, and events published to two buses would reach each
 * consumer by whichever came first.
 */
function eventBridgeBus(read: EnvReader): string | undefined {
  const bus = read.optionalString('EVENTBRIDGE_BUS_NAME');
  if (bus === undefined) return undefined;
  if (!/^[A-Za-z0-9._\-/:]{1,1600}$/.test(bus))
    return read.fail('EVENTBRIDGE_BUS_NAME', 'must be an EventBridge bus name or ARN', undefined);
  if (read.optionalString('AMQP_URL') !== undefined)
    return read.fail(
      'EVENTBRIDGE_BUS_NAME',
      'cannot be set beside AMQP_URL: events go to one of RabbitMQ or EventBridge; unset one',
      undefined,
    );
  return bus;
}

/**
 * The platform's slice of the configuration (HTTP, logging, database, mail, Redis, abuse
 * controls, the server secret). A deployment's root reads it, then each module's slice, with the
 * same EnvReader (apps/api/src/api-config.ts). A refused value falls back to its default, so the
 * reading goes on and every problem is reported at once.
 */
export function readPlatformConfig(
  read: EnvReader,
  /**
   * What the process does with the platform (default: all of it). A process that opens no
   * database (the gateway) is not asked for DATABASE_URL in production, nor one that sends no
   * mail for SMTP_URL and APP_BASE_URL: it would be handed credentials it never uses.
   */
  uses: { database: boolean; mail: boolean } = { database: true, mail: true },
): AppConfig {
  const nodeEnv = read.oneOf<NodeEnv>('NODE_ENV', ['development', 'test', 'production'], 'development');
  const dataDir = path.resolve(read.string('DATA_DIR', './.data'));
  const port = read.int('PORT', 3000, 0, 65535);
  const smtpUrl = read.optionalUrl('SMTP_URL', ['smtp:', 'smtps:']);

  return new AppConfig(
    nodeEnv,
    {
      host: read.string('HOST', '127.0.0.1'),
      port,
      bodyLimitBytes: read.int('BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
      corsOrigins: read.origins('CORS_ORIGINS'),
      shutdownTimeoutMs: read.int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 120_000),
      trustProxy: trustProxy(read),
    },
    { level: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info') },
    {
      url: databaseUrl(read, nodeEnv, uses.database),
      poolMax: read.int('DATABASE_POOL_MAX', 10, 1, 500),
      statementTimeoutMs: read.int('DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 100, 600_000),
      namedStatements: read.bool('DATABASE_NAMED_STATEMENTS', true),
      listen: read.bool('DATABASE_LISTEN', true),
      iamAuth: databaseIamAuth(read),
      migrateOnStart: read.bool('DB_MIGRATE_ON_START', true),
      dataDir,
    },
    { refreshTokenPepper: secret(read, 'REFRESH_TOKEN_PEPPER', nodeEnv) },
    {
      transport: mailTransport(read, smtpUrl, nodeEnv, uses.mail),
      smtpUrl,
      from: read.string('MAIL_FROM', 'Latchkey <no-reply@localhost>'),
      appBaseUrl: appBaseUrl(read, nodeEnv, port, uses.mail),
      devPages: nodeEnv === 'development' && read.raw('APP_BASE_URL') === undefined,
      verifyEmailPath: urlPath(read, 'EMAIL_VERIFICATION_PATH', '/verify-email'),
      passwordResetPath: urlPath(read, 'PASSWORD_RESET_PATH', '/reset-password'),
      outbox: {
        pollIntervalMs: read.int('MAIL_OUTBOX_POLL_MS', 5_000, 100, 600_000),
        maxAttempts: read.int('MAIL_MAX_ATTEMPTS', 12, 1, 100),
        retryBaseSeconds: read.seconds('MAIL_RETRY_BASE', 5, 1, HOUR),
        retryMaxSeconds: read.seconds('MAIL_RETRY_MAX', 30 * 60, 1, DAY),
      },
    },
    {
      url: read.optionalUrl('REDIS_URL', ['redis:', 'rediss:']),
      password: read.optionalString('REDIS_PASSWORD'),
      keyPrefix: read.string('REDIS_KEY_PREFIX', 'latchkey:'),
    },
    {
      failMode: read.oneOf('RATE_LIMIT_FAIL_MODE', ['closed', 'open'], 'closed'),
      limits: {
        loginIp: rateLimit(read, 'RATE_LIMIT_LOGIN_IP', '30/5m'),
        loginEmail: rateLimit(read, 'RATE_LIMIT_LOGIN_EMAIL', '10/15m'),
        // Ten an hour locks a developer trying the API out of their own machine; outside
        // development (production, and test) sign-up spam meets the real limit.
        registerIp: rateLimit(read, 'RATE_LIMIT_REGISTER_IP', nodeEnv === 'development' ? '100/1m' : '10/1h'),
        refreshIp: rateLimit(read, 'RATE_LIMIT_REFRESH_IP', '120/1m'),
        logoutIp: rateLimit(read, 'RATE_LIMIT_LOGOUT_IP', '60/1m'),
        passwordResetIp: rateLimit(read, 'RATE_LIMIT_PASSWORD_RESET_IP', '10/15m'),
        passwordResetEmail: rateLimit(read, 'RATE_LIMIT_PASSWORD_RESET_EMAIL', '5/1h'),
        verifyRequestIp: rateLimit(read, 'RATE_LIMIT_VERIFY_REQUEST_IP', '10/15m'),
        verifyRequestEmail: rateLimit(read, 'RATE_LIMIT_VERIFY_REQUEST_EMAIL', '5/1h'),
        tokenConfirmIp: rateLimit(read, 'RATE_LIMIT_TOKEN_CONFIRM_IP', '30/15m'),
        slugCheckIp: rateLimit(read, 'RATE_LIMIT_SLUG_CHECK_IP', '60/1m'),
      },
    },
    {
      amqpUrl: read.optionalUrl('AMQP_URL', ['amqp:', 'amqps:']),
      eventBridgeBus: eventBridgeBus(read),
      exchange: read.string('EVENTS_EXCHANGE', 'latchkey.events'),
      retentionSeconds: read.seconds('EVENTS_RETENTION', 7 * DAY, HOUR, 365 * DAY),
      relay: {
        pollIntervalMs: read.int('EVENTS_RELAY_POLL_MS', 1_000, 50, 600_000),
        batch: read.int('EVENTS_RELAY_BATCH', 100, 1, 1_000),
        nudgeDelayMs: read.int('EVENTS_RELAY_NUDGE_DELAY_MS', 100, 0, 1_000),
        retryBaseSeconds: read.seconds('EVENTS_RETRY_BASE', 1, 1, HOUR),
        retryMaxSeconds: read.seconds('EVENTS_RETRY_MAX', 60, 1, HOUR),
      },
    },
    {
      intervalSeconds: read.seconds('CLEANUP_INTERVAL', 10 * 60, 0, DAY),
      batch: read.int('CLEANUP_BATCH', 1_000, 10, 100_000),
      retentionSeconds: read.seconds('CLEANUP_RETENTION', 7 * DAY, 0, 365 * DAY),
    },
    {
      metricsPort:
        read.raw('METRICS_PORT') === undefined ? undefined : read.int('METRICS_PORT', 9464, 0, 65535),
      metricsHost: read.string('METRICS_HOST', read.string('HOST', '127.0.0.1')),
      refreshSeconds: read.seconds('METRICS_REFRESH_INTERVAL', 30, 1, HOUR),
      captureUserId: read.bool('OTEL_CAPTURE_USER_ID', false),
      tracing: {
        endpoint: read.optionalUrl('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
        protocol: read.oneOf('OTEL_EXPORTER_OTLP_PROTOCOL', ['http/protobuf', 'http/json'], 'http/protobuf'),
        serviceName: read.string('OTEL_SERVICE_NAME', 'latchkey'),
        disabled: read.bool('OTEL_SDK_DISABLED', false),
        // The specification's samplers (OTEL_TRACES_SAMPLER_ARG is the ratio of the ratio ones).
        sampler: `${read.oneOf('OTEL_TRACES_SAMPLER', TRACE_SAMPLERS, 'parentbased_always_on')}${
          read.raw('OTEL_TRACES_SAMPLER_ARG') ? `(${read.string('OTEL_TRACES_SAMPLER_ARG', '')})` : ''
        }`,
        captureClientIp: read.bool('OTEL_CAPTURE_CLIENT_IP', false),
      },
    },
  );
}

/** The platform's slice alone, for a host or a test with no business module. */
export function loadPlatformConfig(env: Env): AppConfig {
  const read = new EnvReader(env);
  const config = readPlatformConfig(read);
  if (read.problems.length > 0) throw new InvalidConfiguration(read.problems);
  return config;
}

/**
 * The process environment over the values of a `.env` file in the working directory (dev
 * convenience; real environment variables always win, as with every twelve-factor loader).
 */
export function environmentWithDotEnv(env: Env = process.env, file = path.resolve('.env')): Env {
  if (!existsSync(file)) return env;
  return { ...parseEnv(readFileSync(file, 'utf8')), ...env };
}
