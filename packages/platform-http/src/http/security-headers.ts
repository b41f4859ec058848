import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The headers helmet sets for `options`, worked out once. Without per-request nonces they are
 * the same on every response, and helmet's middleware (which @fastify/helmet also rebuilt from
 * the options on every request, CSP parsing included) cost more per request than some whole
 * endpoints (docs/performance.md). Names come back lower-cased. Options helmet refuses throw
 * here, at start-up.
 */
export function securityHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}

/**
 * Every response's security headers: helmet's defaults (HSTS, nosniff, frame and referrer
 * policies); its default CSP is strict enough for JSON and still lets the Swagger UI page load
 * its own scripts and call its own origin (`connect-src 'self'`, its "Try it out"). Helmet's
 * `upgrade-insecure-requests` is left out: on a plain-HTTP host other than localhost it turned
 * every call of that page into an https:// call that nothing answers, and HSTS already keeps
 * HTTPS deployments on HTTPS.
 */
export const API_SECURITY_HEADERS = securityHeaders({
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
  contentSecurityPolicy: { directives: { connectSrc: ["'self'"], upgradeInsecureRequests: null } },
});
