import { DrizzleQueryError } from 'drizzle-orm';
import { isDatabaseUnavailable } from './database-errors';

const wrapped = (cause: Error) => new DrizzleQueryError('select 1 where $1', ['value'], cause);
const coded = (code: string, message = 'server error') =>
  Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('isDatabaseUnavailable: a 503 worth retrying, or a 500', () => {
  it.each([
    [
      'refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }),
    ],
    ['reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    [
      'server shutting down (pg_ctl stop -m fast)',
      coded('57P01', 'terminating connection due to administrator command'),
    ],
    ['server starting up', coded('57P03', 'the database system is starting up')],
    ['too many connections', coded('53300')],
    ['statement timeout', coded('57014', 'canceling statement due to statement timeout')],
    ['lock timeout', coded('55P03')],
    ['connection exception class', coded('08006')],
    ['connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['pool wait timed out', new Error('timeout exceeded when trying to connect')],
  ])('%s → unavailable, bare or wrapped by drizzle', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDatabaseUnavailable(wrapped(error))).toBe(true);
  });

  it.each([
    ['unique violation', coded('23505')],
    ['syntax error', coded('42601')],
    ['undefined column', coded('42703')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('%s → not unavailable (stays a 500 or its own mapping)', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(isDatabaseUnavailable(wrapped(error))).toBe(false);
  });
});
