import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  /** OpenAPI form: `/auth/sessions/{id}`. */
  path: string;
}

/** Swagger UI's own assets live under /docs/; the documented entry point is GET /docs itself. */
const UNDOCUMENTED_PREFIXES = ['/docs/'];

/**
 * Every route Fastify registers, collected through its onRoute hook, so the contract test can
 * compare what is served with what docs/openapi.yaml promises. HEAD (derived from GET) and
 * OPTIONS (CORS preflight) are implied by HTTP, not operations of their own.
 */
export class RouteCatalog {
  private readonly routes = new Map<string, RegisteredRoute>();
  private readonly ignored = new Set<string>();

  /** A route that is not part of the API (the development pages for email links). */
  ignore(url: string): void {
    this.ignored.add(url);
  }

  attach(fastify: FastifyInstance): void {
    fastify.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) this.add(method, route.url);
    });
  }

  add(method: string, url: string): void {
    const upper = method.toUpperCase();
    if (upper === 'HEAD' || upper === 'OPTIONS') return;
    if (UNDOCUMENTED_PREFIXES.some((prefix) => url.startsWith(prefix)) || this.ignored.has(url)) return;
    const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    this.routes.set(`${upper} ${path}`, { method: upper, path });
  }

  list(): RegisteredRoute[] {
    return [...this.routes.values()].sort((a, b) =>
      `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`),
    );
  }
}
