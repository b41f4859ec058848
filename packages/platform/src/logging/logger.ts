import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/app-config';
import { loggableDatabaseError } from '../database/database-errors';
import { activeTraceFields } from '../observability/spans';

const CENSOR = '[REDACTED]';

/**
 * Secrets must never reach a log line. Pino's redaction removes them by path before
 * serialisation; anything that still looks like a JWT in a message string is masked on the way in.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
  '*.privateKey',
  'password',
  'refreshToken',
  'accessToken',
  'token',
  // A failed statement's values (drizzle's DrizzleQueryError, and the driver error it wraps):
  // token hashes, addresses, names. serializeError already logs database errors without them;
  // these paths stay for errors logged under `err` that some other code built.
  'err.params',
  'err.cause.params',
];

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

export function maskTokens(text: string): string {
  return text.replace(JWT_PATTERN, CENSOR);
}

/**
 * The `err` serializer: pino's own, except for a database error (or one that wraps it), whose
 * message and detail may quote the statement's values: that is logged as the statement's text,
 * the driver's code and constraint, and the stack's frames without its first line (the message).
 */
export function serializeError(error: unknown): unknown {
  const database = loggableDatabaseError(error);
  if (database === undefined) return pino.stdSerializers.err(error as Error);
  const outer = error as { name?: unknown; stack?: unknown };
  return {
    type: typeof outer.name === 'string' ? outer.name : 'Error',
    message: `database error${database.code ? ` ${database.code}` : ''}`,
    database,
    stack:
      typeof outer.stack === 'string'
        ? outer.stack
            .split('\n')
            .filter((line) => /^\s+at /.test(line))
            .join('\n')
        : undefined,
  };
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'latchkey' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      serializers: { err: serializeError },
      // Inside a traced request or pass, every line names its trace and span (docs/observability.md).
      mixin: () => activeTraceFields() ?? {},
      hooks: {
        logMethod(args, method) {
          const masked = args.map((arg) => (typeof arg === 'string' ? maskTokens(arg) : arg));
          return method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
