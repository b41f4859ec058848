import { type AppConfig, type Env, EnvReader, loadOrRefuse, readPlatformConfig } from '@latchkey/platform';
import { type IdentityConfig, readIdentityConfig } from '@latchkey/identity';

/** The monolith's configuration: the platform's slice and each hosted module's. */
export interface ApiConfig {
  platform: AppConfig;
  identity: IdentityConfig;
}

/**
 * Every slice and every problem with them, at once: one EnvReader reads the platform's variables,
 * then identity's (user-profile has none of its own). A refused value falls back to its default in
 * `config`, so a start-up check can go on looking (e.g. at the key store) and report everything in
 * one message.
 */
export function readConfig(env: Env): { config: ApiConfig; problems: string[] } {
  const read = new EnvReader(env);
  const platform = readPlatformConfig(read);
  const identity = readIdentityConfig(read, platform);
  return { config: { platform, identity }, problems: read.problems };
}

export function loadConfig(env: Env): ApiConfig {
  return loadOrRefuse(readConfig, env);
}
