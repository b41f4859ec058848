import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface BearerRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Security = Record<string, string[]>[] | undefined;

/**
 * The operations of the contract (docs/openapi.yaml) that only a valid bearer token may call: their
 * `security` is `bearerAuth` alone (not also anonymous, a cookie or internal credentials). Each
 * under its versioned path and its unversioned alias (decision 0007). Read from the contract, so
 * an operation added there is behind the edge's authorizer without a change here.
 */
export function bearerOnlyRoutes(openapiPath: string): BearerRoute[] {
  const document = parse(readFileSync(openapiPath, 'utf8')) as {
    paths: Record<string, Partial<Record<(typeof METHODS)[number], { security?: Security }>>>;
  };
  const routes: BearerRoute[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const security = operations[method]?.security;
      if (security?.length !== 1 || Object.keys(security[0]!).join() !== 'bearerAuth') continue;
      const upper = method.toUpperCase() as BearerRoute['method'];
      routes.push({ method: upper, path });
      if (path.startsWith('/v1/')) routes.push({ method: upper, path: path.slice('/v1'.length) });
    }
  }
  return routes;
}
