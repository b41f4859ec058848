import { type AppConfig, type Env, EnvReader, loadOrRefuse, readPlatformConfig } from '@latchkey/platform';
import {
  type InternalAuthConfig,
  readInternalAuthConfig,
  readServiceLinks,
  type ServiceLinks,
} from '@latchkey/platform-http';

/** The user service's configuration: the platform's variables (user-profile has none) and its links. */
export interface UserServiceConfig {
  platform: AppConfig;
  internalAuth: InternalAuthConfig;
  links: ServiceLinks;
}

export function readUserServiceConfig(env: Env): { config: UserServiceConfig; problems: string[] } {
  const read = new EnvReader(env);
  const platform = readPlatformConfig(read);
  const internalAuth = readInternalAuthConfig(read, ['gateway', 'auth-service']);
  const links = readServiceLinks(read);
  return { config: { platform, internalAuth, links }, problems: read.problems };
}

export function loadUserServiceConfig(env: Env): UserServiceConfig {
  return loadOrRefuse(readUserServiceConfig, env);
}
