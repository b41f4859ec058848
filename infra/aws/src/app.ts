import { type App, Duration, type Stack, Tags } from 'aws-cdk-lib';
import { MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import { HttpCodeElb, HttpCodeTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { AlarmsStack } from './alarms-stack';
import { infraConfigOf, type InfraConfig } from './config';
import { DataStack } from './data-stack';
import { EventsStack } from './events-stack';
import { MonolithStack, RegistryStack } from './monolith-stack';
import { NetworkStack } from './network-stack';
import { SecretsStack } from './secrets-stack';
import { ServerlessStack } from './serverless-stack';

export interface LatchkeyStacks {
  config: InfraConfig;
  network: NetworkStack;
  data: DataStack;
  secrets: SecretsStack;
  events: EventsStack;
  /** The deployment's own: monolith, its registry and its service; serverless, its functions and API. */
  compute: Stack[];
  /** The alarms over the deployment's compute (none while it has none: services). */
  alarms: AlarmsStack | undefined;
}

/**
 * Latchkey's stacks for the deployment and environment the app's context names. Every
 * deployment stands on the same four: network, data (Aurora behind RDS Proxy, Redis), secrets
 * and events (the EventBridge bus with its dead-letter queue); the monolith adds its registry and
 * its service, the serverless deployment its functions behind API Gateway, and each its alarms.
 * The services deployment's own stack is not built yet (issue 27). Account and region come from
 * the CLI's environment at deployment (CDK_DEFAULT_*); without them the stacks are
 * environment-agnostic, which is what offline synthesis gives.
 */
export function addLatchkeyStacks(app: App): LatchkeyStacks {
  const config = infraConfigOf(app.node);
  const env =
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined;
  const name = (stack: string) => `${config.prefix}-${stack}`;
  const network = new NetworkStack(app, name('Network'), { env, config });
  const data = new DataStack(app, name('Data'), { env, config, vpc: network.vpc });
  const secrets = new SecretsStack(app, name('Secrets'), { env, config });
  const events = new EventsStack(app, name('Events'), { env, config });
  const base = { env, config, vpc: network.vpc, data, secrets, events };
  const compute: Stack[] = [];
  let alarms: AlarmsStack | undefined;
  if (config.deployment === 'monolith') {
    const registry = new RegistryStack(app, name('Registry'), { env, config });
    const monolith = new MonolithStack(app, name('Monolith'), { ...base, repository: registry.repository });
    const balancer = monolith.loadBalancer.metrics;
    compute.push(registry, monolith);
    alarms = new AlarmsStack(app, name('Alarms'), {
      env,
      config,
      events,
      requests: {
        serverErrors: new MathExpression({
          expression: 'FILL(target, 0) + FILL(edge, 0)',
          usingMetrics: {
            target: balancer.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT),
            edge: balancer.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT),
          },
          period: Duration.minutes(1),
        }),
        total: balancer.requestCount(),
      },
      logGroups: [monolith.logGroup],
    });
  }
  if (config.deployment === 'serverless') {
    const serverless = new ServerlessStack(app, name('Serverless'), base);
    compute.push(serverless);
    alarms = new AlarmsStack(app, name('Alarms'), {
      env,
      config,
      events,
      requests: { serverErrors: serverless.api.metricServerError(), total: serverless.api.metricCount() },
      logGroups: serverless.logGroups,
      scheduledFunction: serverless.functions.scheduled,
    });
  }
  for (const stack of [network, data, secrets, events, ...compute, ...(alarms ? [alarms] : [])]) {
    Tags.of(stack).add('latchkey:environment', config.environment);
    Tags.of(stack).add('latchkey:deployment', config.deployment);
  }
  return { config, network, data, secrets, events, compute, alarms };
}
