import { type AppConfig, type Env, EnvReader, loadOrRefuse, readPlatformConfig } from '@latchkey/platform';
import {
  type InternalAuthConfig,
  readInternalAuthConfig,
  readServiceLinks,
  type ServiceLinks,
} from '@latchkey/platform-http';
import { readTokenAudience } from '@latchkey/identity';

export interface GatewayConfig {
  platform: AppConfig;
  internalAuth: InternalAuthConfig;
  links: ServiceLinks;
  tokens: {
    issuer: string;
    audience: string;
    /**
     * The longest the gateway uses a fetched JWKS (KEYS_REFRESH_SECONDS, as long as an instance
     * of the monolith takes to see a key change): the bound on an emergency revoke reaching it.
     */
    jwksMaxAgeSeconds: number;
  };
}

export function readGatewayConfig(env: Env): { config: GatewayConfig; problems: string[] } {
  const read = new EnvReader(env);
  // The gateway opens no database and sends no mail (the services do both).
  const platform = readPlatformConfig(read, { database: false, mail: false });
  const internalAuth = readInternalAuthConfig(read, ['auth-service', 'user-service']);
  const links = readServiceLinks(read);
  const tokens = {
    ...readTokenAudience(read, platform),
    jwksMaxAgeSeconds: read.int('KEYS_REFRESH_SECONDS', 30, 1, 3600),
  };
  return { config: { platform, internalAuth, links, tokens }, problems: read.problems };
}

export function loadGatewayConfig(env: Env): GatewayConfig {
  return loadOrRefuse(readGatewayConfig, env);
}
