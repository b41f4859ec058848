import { type AppConfig, type Env, EnvReader, loadOrRefuse, readPlatformConfig } from '@latchkey/platform';
import {
  type InternalAuthConfig,
  readInternalAuthConfig,
  readServiceLinks,
  type ServiceLinks,
} from '@latchkey/platform-http';
import { type IdentityConfig, readIdentityConfig } from '@latchkey/identity';

/** The auth service's configuration: the monolith's variables for what it hosts, and its links. */
export interface AuthServiceConfig {
  platform: AppConfig;
  identity: IdentityConfig;
  internalAuth: InternalAuthConfig;
  links: ServiceLinks;
}

export function readAuthServiceConfig(env: Env): { config: AuthServiceConfig; problems: string[] } {
  const read = new EnvReader(env);
  const platform = readPlatformConfig(read);
  const identity = readIdentityConfig(read, platform);
  const internalAuth = readInternalAuthConfig(read, ['gateway', 'user-service']);
  const links = readServiceLinks(read);
  return { config: { platform, identity, internalAuth, links }, problems: read.problems };
}

export function loadAuthServiceConfig(env: Env): AuthServiceConfig {
  return loadOrRefuse(readAuthServiceConfig, env);
}
