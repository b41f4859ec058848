import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '@latchkey/platform';

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (`::ffff:127.0.0.1`). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

export const PLAIN_HTTP_WARNING =
  'production request over plain HTTP from a non-loopback address, and TRUST_PROXY is unset: ' +
  'Latchkey serves HTTP only and belongs behind a TLS-terminating proxy or load balancer. If ' +
  'clients reach it directly, tokens and passwords cross the network in clear and browsers never ' +
  'send the Secure refresh cookie back (cookie-mode refresh fails); if a proxy is in front, set ' +
  'TRUST_PROXY to its address or subnet so X-Forwarded-For and X-Forwarded-Proto are believed ' +
  '(otherwise every client shares the proxy address in rate limits, sessions and the audit trail). ' +
  'See docs/security.md, "TLS". Said once per process.';

/**
 * The API never terminates TLS (docs/security.md, "TLS"). In production, a request that reaches
 * it from another host while TRUST_PROXY is unset is the sign of a deployment where the
 * `Secure` refresh cookie silently fails: said once, as a warning, with what to do. Loopback
 * peers (a proxy on the same host, health checks) and every other environment stay quiet.
 */
export function plainHttpWarning(
  config: Pick<AppConfig, 'isProduction'> & { http: Pick<AppConfig['http'], 'trustProxy'> },
  logger: Pick<Logger, 'warn'>,
): ((request: Pick<FastifyRequest, 'protocol' | 'socket'>) => void) | undefined {
  if (!config.isProduction || config.http.trustProxy !== false) return undefined;
  let warned = false;
  return (request) => {
    if (warned || request.protocol !== 'http' || isLoopback(request.socket.remoteAddress)) return;
    warned = true;
    logger.warn({ peer: request.socket.remoteAddress }, PLAIN_HTTP_WARNING);
  };
}
