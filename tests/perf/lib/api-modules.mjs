import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const API_ROOT = fileURLToPath(new URL('../../../apps/api/', import.meta.url));
export const API_DIST = fileURLToPath(new URL('../../../apps/api/dist/', import.meta.url));

/**
 * Ceilings must use the very packages (and versions, and native builds) the API runs on, so they
 * are loaded from apps/api's dependencies rather than declared again here.
 */
export const requireFromApi = createRequire(new URL('../../../apps/api/package.json', import.meta.url));

/**
 * The built API's own configuration loader: the ceilings read argon2 parameters, lifetimes and the
 * pool size from it. Its slices (the platform's, identity's) are merged into one object here, as
 * the harness reads fields of both and no name is in both.
 */
export function loadApiConfig(env) {
  const { loadConfig } = requireFromApi('./dist/api-config.js');
  const { platform, identity } = loadConfig(env);
  return { ...platform, ...identity };
}
