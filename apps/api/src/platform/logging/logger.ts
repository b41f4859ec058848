import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/app-config';

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
  // token hashes, addresses, names. The statement's text stays, which is what a reader needs.
  'err.params',
  'err.cause.params',
];

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

export function maskTokens(text: string): string {
  return text.replace(JWT_PATTERN, CENSOR);
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'latchkey' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
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
