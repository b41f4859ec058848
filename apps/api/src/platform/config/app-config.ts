import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { type Env, EnvReader } from './env-reader';

export type NodeEnv = 'development' | 'test' | 'production';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The whole configuration, typed and validated once at start-up. It is also the DI token:
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
    },
    readonly log: { level: LogLevel },
    readonly database: {
      /** Unset: embedded PGlite persisted under `dataDir`. */
      url: string | undefined;
      poolMax: number;
      statementTimeoutMs: number;
      migrateOnStart: boolean;
      dataDir: string;
    },
    readonly keys: {
      dir: string;
      rsaBits: number;
      jwksCacheTtlSeconds: number;
    },
  ) {}

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }
}

export class InvalidConfiguration extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'InvalidConfiguration';
  }
}

export function loadConfig(env: Env): AppConfig {
  const read = new EnvReader(env);
  const nodeEnv = read.oneOf<NodeEnv>('NODE_ENV', ['development', 'test', 'production'], 'development');
  const dataDir = path.resolve(read.string('DATA_DIR', './.data'));

  const config = new AppConfig(
    nodeEnv,
    {
      host: read.string('HOST', '127.0.0.1'),
      port: read.int('PORT', 3000, 0, 65535),
      bodyLimitBytes: read.int('BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
      corsOrigins: read.origins('CORS_ORIGINS'),
      shutdownTimeoutMs: read.int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 120_000),
    },
    { level: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info') },
    {
      url: read.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
      poolMax: read.int('DATABASE_POOL_MAX', 10, 1, 500),
      statementTimeoutMs: read.int('DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 100, 600_000),
      migrateOnStart: read.bool('DB_MIGRATE_ON_START', true),
      dataDir,
    },
    {
      dir: path.resolve(read.string('KEYS_DIR', path.join(dataDir, 'keys'))),
      rsaBits: Number(read.oneOf('JWT_RSA_BITS', ['2048', '3072', '4096'], '2048')),
      jwksCacheTtlSeconds: read.int('JWKS_CACHE_TTL_SECONDS', 300, 0, 86_400),
    },
  );

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
