import type { FastifyInstance } from 'fastify';
import { ValidationFailed } from '@latchkey/shared-kernel';

/**
 * The deepest nesting a request body may have. The deepest body the contract defines is two
 * levels (sign-up's `organization`); class-transformer and class-validator recurse once per level,
 * so 3,000 levels (18 KB, well under the body limit) overflowed the stack and answered 500.
 */
export const MAX_JSON_DEPTH = 16;

/**
 * Whether a JSON text nests objects or arrays deeper than `limit`: one pass over the characters,
 * skipping strings, stopping as soon as the limit is passed. It is only a bound; whether the text
 * is valid JSON is the parser's to say.
 */
export function exceedsJsonDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character, a quote included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export class JsonTooDeep extends ValidationFailed {
  constructor() {
    const message = `The request body nests deeper than ${MAX_JSON_DEPTH} levels`;
    super([{ field: 'body', message }], message);
  }
}

/**
 * Fastify's own JSON parser (secure-json-parse: prototype poisoning refused), behind the depth
 * bound, so no route's validation ever sees a body deep enough to exhaust the stack. An empty
 * body is no body, as if none had been sent: browsers' fetch wrappers send `content-type:
 * application/json` with nothing after it on cookie-mode refresh and logout. A route that needs
 * fields still names each missing one.
 */
export function boundJsonDepth(fastify: FastifyInstance): void {
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parse = fastify.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    if (exceedsJsonDepth(body as string, MAX_JSON_DEPTH)) return done(new JsonTooDeep(), undefined);
    parse(request, body as string, done);
  });
}
