import 'reflect-metadata';
import type { Logger } from 'pino';
import type { ApiConfig } from '@latchkey/api';
import { signingKeyStartupProblems } from '@latchkey/identity';
import { createLogger, InvalidConfiguration, readAtStart } from '@latchkey/platform';
import { readServerlessConfig } from './serverless-config';

/**
 * A function's configuration at init, from the environment and SERVER_SECRETS_ID's secret, as the
 * monolith reads it at start. Any problem fails the init with every problem named (Lambda reports
 * it and retries the init on the next request), so a misconfigured release never answers.
 */
export async function configAtInit(): Promise<{ config: ApiConfig; logger: Logger }> {
  const { config, problems } = await readAtStart(readServerlessConfig);
  problems.push(...(await signingKeyStartupProblems(config.identity, config.platform.isProduction)));
  if (problems.length > 0) throw new InvalidConfiguration(problems);
  return { config, logger: createLogger(config.platform.log.level) };
}
