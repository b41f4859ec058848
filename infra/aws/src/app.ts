import { type App, Duration, type Stack, Tags } from 'aws-cdk-lib';
import { MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import {
  type ApplicationLoadBalancer,
  HttpCodeElb,
  HttpCodeTarget,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { AlarmsStack } from './alarms-stack';
import { infraConfigOf, type InfraConfig } from './config';
import { DataStack } from './data-stack';
import { EventsStack } from './events-stack';
import { MonolithStack, RegistryStack } from './monolith-stack';
import { NetworkStack } from './network-stack';
import { SecretsStack } from './secrets-stack';
import { ServerlessStack } from './serverless-stack';
import { ServicesStack } from './services-stack';

/** 5xx answers (the targets' and the load balancer's own) and all requests, per minute. */
function loadBalancerRequests(loadBalancer: ApplicationLoadBalancer) {
  const { metrics } = loadBalancer;
  return {
    serverErrors: new MathExpression({
      expression: 'FILL(target, 0) + FILL(edge, 0)',
      usingMetrics: {
        target: metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT),
        edge: metrics.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT),
      },
      period: Duration.minutes(1),
    }),
    total: metrics.requestCount(),
  };
}

export interface LatchkeyStacks {
  config: InfraConfig;
  network: NetworkStack;
  data: DataStack;
  secrets: SecretsStack;
  events: EventsStack;
  /** The deployment's own: the registry and the service(s) (monolith, services); the functions and API (serverless). */
  compute: Stack[];
  /** The alarms over the deployment's compute. */
  alarms: AlarmsStack;
}

/**
 * Latchkey's stacks for the deployment and environment the app's context names. Every
 * deployment stands on the same four: network, data (Aurora behind RDS Proxy, Redis), secrets
 * and events (the EventBridge bus with its dead-letter queue); the monolith adds its registry and
 * its service, the serverless deployment its functions behind API Gateway, and each its alarms.
 * The services deployment adds the registry, its three services and their broker. Account and region come from
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
    compute.push(registry, monolith);
    alarms = new AlarmsStack(app, name('Alarms'), {
      env,
      config,
      events,
      requests: loadBalancerRequests(monolith.loadBalancer),
      logGroups: [monolith.logGroup],
    });
  }
  if (config.deployment === 'services') {
    const registry = new RegistryStack(app, name('Registry'), { env, config });
    const services = new ServicesStack(app, name('Services'), { ...base, repository: registry.repository });
    compute.push(registry, services);
    alarms = new AlarmsStack(app, name('Alarms'), {
      env,
      config,
      events,
      requests: loadBalancerRequests(services.loadBalancer),
      logGroups: [services.logGroup],
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
  if (alarms === undefined) throw new Error(`no compute for the ${config.deployment} deployment`);
  for (const stack of [network, data, secrets, events, ...compute, alarms]) {
    Tags.of(stack).add('latchkey:environment', config.environment);
    Tags.of(stack).add('latchkey:deployment', config.deployment);
  }
  return { config, network, data, secrets, events, compute, alarms };
}
