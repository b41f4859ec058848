const HEALTH_PROBES = /^\/health(\/|$)/;

/**
 * Whether a matched route template is one of the health probes (`/health`, `/health/ready`): the
 * orchestrator's, so they are not traced and need no internal credentials. By template, never by
 * the raw URL (`/health/../v1/users` is no probe).
 */
export function isHealthProbeRoute(route: string): boolean {
  return HEALTH_PROBES.test(route);
}
