/**
 * The API's one version: its routes are served under `/v1` (canonical, as docs/openapi.yaml
 * writes them) and unversioned as aliases of v1, so clients written before the prefix keep
 * working. docs/architecture.md ("API versions") has the policy.
 */
export const API_VERSION = '1';
export const API_VERSION_PREFIX = `/v${API_VERSION}`;

/**
 * The prefix a request came in under: `/v1` or `''` for the unversioned alias. What the API
 * writes back into a URL (a cookie's Path) follows it, so a client stays on the prefix it uses.
 */
export function versionPrefixOf(url: string): string {
  return url === API_VERSION_PREFIX || url.startsWith(`${API_VERSION_PREFIX}/`) ? API_VERSION_PREFIX : '';
}

/** One name for a route whichever prefix served it (`/v1/auth/login` and `/auth/login` → `/auth/login`). */
export function unversionedRoute(url: string): string {
  return versionPrefixOf(url) ? url.slice(API_VERSION_PREFIX.length) || '/' : url;
}
