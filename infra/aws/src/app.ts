import { type App, type Stack, Tags } from 'aws-cdk-lib';
import { infraConfigOf, type InfraConfig } from './config';
import { DataStack } from './data-stack';
import { MonolithStack, RegistryStack } from './monolith-stack';
import { NetworkStack } from './network-stack';
import { SecretsStack } from './secrets-stack';

export interface LatchkeyStacks {
  config: InfraConfig;
  network: NetworkStack;
  data: DataStack;
  secrets: SecretsStack;
  /** The deployment's own: the registry and the monolith's service (monolith). */
  compute: Stack[];
}

/**
 * Latchkey's stacks for the deployment and environment the app's context names. Every
 * deployment stands on the same three: network, data (Aurora behind RDS Proxy, Redis) and
 * secrets; the monolith adds its registry and its service (the services and serverless
 * deployments' stacks are not built yet). Account and region come from the CLI's environment at deployment (CDK_DEFAULT_*);
 * without them the stacks are environment-agnostic, which is what offline synthesis gives.
 */
export function addLatchkeyStacks(app: App): LatchkeyStacks {
  const config = infraConfigOf(app.node);
  const env =
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined;
  const network = new NetworkStack(app, `${config.prefix}-Network`, { env, config });
  const data = new DataStack(app, `${config.prefix}-Data`, { env, config, vpc: network.vpc });
  const secrets = new SecretsStack(app, `${config.prefix}-Secrets`, { env, config });
  const compute: Stack[] = [];
  if (config.deployment === 'monolith') {
    const registry = new RegistryStack(app, `${config.prefix}-Registry`, { env, config });
    compute.push(
      registry,
      new MonolithStack(app, `${config.prefix}-Monolith`, {
        env,
        config,
        vpc: network.vpc,
        data,
        secrets,
        repository: registry.repository,
      }),
    );
  }
  for (const stack of [network, data, secrets, ...compute]) {
    Tags.of(stack).add('latchkey:environment', config.environment);
    Tags.of(stack).add('latchkey:deployment', config.deployment);
  }
  return { config, network, data, secrets, compute };
}
