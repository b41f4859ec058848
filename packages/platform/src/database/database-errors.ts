/**
 * What a failed database call says about itself, read the same way from pg and PGlite, whether
 * drizzle wrapped it (DrizzleQueryError, with the driver's error as `cause`) or not.
 */
export interface ErrorLink {
  code?: unknown;
  severity?: unknown;
  message?: unknown;
  query?: unknown;
  params?: unknown;
  cause?: unknown;
  [field: string]: unknown;
}

/** The error and the causes it wraps, outermost first (at most five deep). */
export function* chainOf(error: unknown): Generator<ErrorLink> {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    yield current as ErrorLink;
    current = (current as ErrorLink).cause;
  }
}

// SQLSTATE classes and codes that mean "the database cannot serve this now", not "this
// statement is wrong": connection exceptions (08…), an operator or crash shutdown and start-up
// (57P01–57P03), too many connections (53300), statement and lock timeouts (57014, 55P03).
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53300|57014|55P03)$/;
// The socket's own failures, as Node reports them.
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// What pg says, without a code, when a pooled connection dies or the pool cannot get one in time.
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

/**
 * Whether an error means the database is unreachable, overloaded or restarting: the request may
 * succeed later, so it is a 503 with Retry-After, not a 500. Any other database error (a broken
 * statement, a constraint the code did not expect) stays a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const link of chainOf(error)) {
    if (typeof link.code === 'string') {
      if (UNAVAILABLE_SQLSTATE.test(link.code) || UNAVAILABLE_ERRNO.has(link.code)) return true;
    }
    if (typeof link.message === 'string' && UNAVAILABLE_MESSAGE.test(link.message)) return true;
  }
  return false;
}

/** The parts of a database error that are safe to log, if `error` is (or wraps) one. */
export interface LoggableDatabaseError {
  /** The statement's text: placeholders ($1, $2…), never their values. */
  query?: string;
  /** SQLSTATE, or the socket's errno code. */
  code?: string;
  severity?: string;
  routine?: string;
  constraint?: string;
  table?: string;
  column?: string;
}

/**
 * A failed statement carries its values twice: as `params`, and inside the message drizzle
 * builds ("Failed query: … params: ada@example.com,…"). PostgreSQL's own message and `detail`
 * can quote values too ('Key (email)=(…) already exists', 'invalid input syntax for type uuid:
 * "…"'). Path-based redaction reaches neither, so a database error is logged by these fields
 * alone: which statement, which code, which constraint.
 */
export function loggableDatabaseError(error: unknown): LoggableDatabaseError | undefined {
  const links = [...chainOf(error)];
  const failedQuery = links.find((link) => typeof link.query === 'string' && 'params' in link);
  const serverError = links.find(
    (link) => typeof link.code === 'string' && typeof link.severity === 'string',
  );
  if (!failedQuery && !serverError) return undefined;
  // The server's error, else whatever coded error drizzle wrapped (a socket's errno).
  const source = (serverError ??
    links.find((link) => link !== failedQuery && typeof link.code === 'string')) as
    Record<string, unknown> | undefined;
  const loggable: LoggableDatabaseError = {};
  if (failedQuery) loggable.query = failedQuery.query as string;
  if (typeof source?.code === 'string') loggable.code = source.code;
  else {
    // pg's own connection messages carry no code and no values: the first line stands in.
    const innermost = links.at(-1)?.message;
    if (typeof innermost === 'string' && UNAVAILABLE_MESSAGE.test(innermost))
      loggable.code = innermost.split('\n')[0];
  }
  for (const key of ['severity', 'routine', 'constraint', 'table', 'column'] as const)
    if (typeof source?.[key] === 'string') loggable[key] = source[key];
  return loggable;
}
