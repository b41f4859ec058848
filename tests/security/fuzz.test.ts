import request from 'supertest';
import { registerAndLogin } from '../support/auth';
import { contract, startTestApp, type TestApp, testTarget } from '../support/test-app';

/**
 * A seeded, bounded fuzz of every operation in docs/openapi.yaml (issue 19): wrong types, nulls,
 * deep nesting, ill-formed Unicode, huge strings, bytes that are not UTF-8, malformed JSON, odd
 * content types, junk path parameters and oversized headers. Whatever comes in, no answer is a
 * 5xx, and every answer that is not a success is an ErrorResponse whose traceId is the
 * X-Request-Id. The seed is printed, so a failure can be replayed with FUZZ_SEED.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 19_2026);
const PER_OPERATION = 100;

/** mulberry32: small, seedable, good enough to pick test inputs. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const repeat = (text: string, times: number) => text.repeat(Math.max(1, times));

const FIELDS = [
  'email',
  'password',
  'name',
  'refreshToken',
  'token',
  'code',
  'newPassword',
  'currentPassword',
  'deviceId',
  'allDevices',
  'organization',
  'slug',
  'roles',
  'role',
  'organizationId',
  'userId',
  '__proto__',
  'constructor',
];

/** A JSON text (as raw text: some of these cannot be built with JSON.stringify). */
function jsonValue(depth = 0): string {
  const kinds = [
    () => 'null',
    () => String(Math.floor(random() * 1e6) - 5e5),
    () => '1e309',
    () => pick(['true', 'false']),
    () => JSON.stringify(pick(['', ' ', 'ada@example.com', 'x'.repeat(300), 'ÄÖü漢字🙂', '0'.repeat(6)])),
    () => '"\\ud800@example.com"', // a lone surrogate, as JSON escapes it
    () => '"a\\u0000b"',
    () => JSON.stringify('y'.repeat(Math.floor(random() * 60_000))),
    () => (depth > 3 ? '[]' : `[${jsonValue(depth + 1)},${jsonValue(depth + 1)}]`),
    () => (depth > 3 ? '{}' : jsonObject(depth + 1)),
    () => `${repeat('{"a":', 10 + Math.floor(random() * 40))}1${repeat('}', 10 + Math.floor(random() * 40))}`,
  ];
  return pick(kinds)();
}

function jsonObject(depth = 0): string {
  const count = Math.floor(random() * 5);
  const entries = Array.from({ length: count }, () => `${JSON.stringify(pick(FIELDS))}:${jsonValue(depth)}`);
  return `{${entries.join(',')}}`;
}

/** A body and its content type: mostly JSON of the wrong shape, sometimes not JSON at all. */
function body(): { type: string | undefined; payload: string | Buffer | undefined } {
  const roll = random();
  if (roll < 0.55) return { type: 'application/json', payload: jsonObject() };
  if (roll < 0.65) return { type: 'application/json', payload: jsonValue() };
  if (roll < 0.72)
    return {
      type: 'application/json',
      payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    };
  if (roll < 0.78)
    return { type: 'application/json', payload: pick(['{', '{"a":', '[1,]', '{"a" 1}', '\u0000']) };
  if (roll < 0.84) return { type: 'application/json', payload: '' };
  if (roll < 0.9)
    return {
      type: pick([
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'multipart/form-data; boundary=x',
      ]),
      payload: 'a=1',
    };
  if (roll < 0.95) return { type: 'application/json; charset=latin1', payload: '{"email":"x"}' };
  return { type: undefined, payload: undefined };
}

function pathParameter(): string {
  return pick([
    '00000000-0000-7000-8000-000000000000',
    'not-a-uuid',
    '%ZZ',
    '%00',
    '%ED%A0%80', // a surrogate, UTF-8-encoded
    encodeURIComponent('漢字'),
    'a'.repeat(120),
    '..%2F..%2Fetc%2Fpasswd',
    ' ',
    '-1',
  ]);
}

function headers(validToken: string): Record<string, string> {
  const result: Record<string, string> = {};
  const roll = random();
  if (roll < 0.3) result.authorization = `Bearer ${validToken}`;
  else if (roll < 0.45)
    result.authorization = pick([
      'Bearer',
      'Bearer x.y.z',
      'Basic YTpi',
      `Bearer ${'a'.repeat(5000)}`,
      'Bearer a b',
    ]);
  if (random() < 0.15) result['x-token-transport'] = pick(['cookie', 'body', 'nonsense']);
  if (random() < 0.1) result.cookie = `__Secure-lk_refresh=${pick(['', 'x', 'a'.repeat(600)])}`;
  if (random() < 0.1) result['idempotency-key'] = pick(['', 'k', 'k'.repeat(300)]);
  if (random() < 0.05) result['x-request-id'] = pick(['', 'a'.repeat(300), 'id with spaces']);
  if (random() < 0.03) result['x-oversized'] = 'h'.repeat(17_000);
  return result;
}

describe(`fuzz: every operation of docs/openapi.yaml (seed ${SEED})`, () => {
  let app: TestApp;
  let accessToken: string;
  beforeAll(async () => {
    app = await startTestApp();
    ({
      tokens: { accessToken },
    } = await registerAndLogin(app));
  });
  afterAll(() => app.close());

  it('answers no 5xx, and every non-2xx with an ErrorResponse carrying its traceId', async () => {
    const problems: string[] = [];
    let sent = 0;
    for (const operation of contract.operations()) {
      for (let round = 0; round < PER_OPERATION; round++) {
        const url = operation.path.replace(/\{[^}]+\}/g, () => (random() < 0.7 ? pathParameter() : 'x'));
        const query =
          random() < 0.2
            ? `?${pick(['limit=abc', 'limit=-1', 'cursor=%ZZ', 'email=\ud800', 'limit=1&limit=2', 'a'.repeat(3000) + '=1'])}`
            : '';
        const { type, payload } = body();
        const call = request(app.server)[operation.method.toLowerCase() as 'get'](
          (url + query).replace('\ud800', '%ED%A0%80'),
        );
        for (const [name, value] of Object.entries(headers(accessToken))) void call.set(name, value);
        if (type) void call.set('content-type', type);
        // Every status is an answer here (superagent would otherwise reject on 4xx and 5xx).
        void call.ok(() => true);
        const outcome: { response: request.Response } | { failure: Error } = await (
          payload === undefined || operation.method === 'GET' ? call : call.send(payload)
        ).then(
          (response) => ({ response }),
          (failure: Error) => ({ failure }),
        );
        sent++;
        if ('failure' in outcome) {
          // Node's client refuses some of what we build; anything the server got, it answered.
          if (!/ECONNRESET|socket hang up|Invalid character|ERR_/.test(outcome.failure.message))
            problems.push(`${operation.method} ${url}: ${outcome.failure.message}`);
          continue;
        }
        const { response } = outcome;
        const label = `${operation.method} ${url}${query} (${type ?? 'no body'}) → ${response.status}`;
        if (response.status >= 500) problems.push(`${label}: ${response.text.slice(0, 200)}`);
        // On the serverless deployment, what the HTTP parser refuses never reaches the function:
        // API Gateway answers itself (its request id, no X-Request-Id, a body of its own).
        const edgeRefusal =
          testTarget() === 'serverless' &&
          response.status === 431 &&
          response.headers['apigw-requestid'] !== undefined &&
          response.headers['x-request-id'] === undefined;
        if (response.status >= 300 && !edgeRefusal) {
          const schema = contract.schemaProblems('ErrorResponse', response.body);
          if (schema.length > 0)
            problems.push(`${label}: not an ErrorResponse: ${response.text.slice(0, 200)}`);
          else if (response.body.traceId !== response.headers['x-request-id'])
            problems.push(`${label}: traceId ${response.body.traceId} is not X-Request-Id`);
        }
      }
    }
    console.log(`fuzz: ${sent} requests over ${contract.operations().length} operations, seed ${SEED}`);
    expect(sent).toBeGreaterThan(2_000);
    expect(problems.slice(0, 20)).toEqual([]);
  }, 240_000);
});
