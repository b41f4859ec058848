import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { addLatchkeyStacks, type LatchkeyStacks } from '../src/app';
import { DEPLOYMENTS, type Deployment, ENVIRONMENTS, type Environment } from '../src/config';
import { REUSE_DETECTED_LOG_LINE } from '../../../packages/identity/src/adapters/metrics/prometheus-identity-probe';
import { bearerOnlyRoutes } from '../src/openapi-routes';
import { repositoryRoot } from '../src/repository-paths';
import { EMPTY_KEY_SET } from '../src/secrets-stack';
import { FUNCTIONS, type ServerlessStack } from '../src/serverless-stack';
import {
  dataPlacementProblems,
  jwtAuthorizerProblems,
  productionDurabilityProblems,
  roleActions,
  secretValueProblems,
  type Template as CfnTemplate,
  worldOpenIngress,
} from './template-checks';

// The functions' code is an asset the templates name by hash: a stand-in bundle is enough for the
// templates (`pnpm infra:synth` synthesizes with the real ones).
const BUNDLES = mkdtempSync(path.join(os.tmpdir(), 'latchkey-bundles-'));
for (const name of FUNCTIONS) {
  mkdirSync(path.join(BUNDLES, name));
  writeFileSync(path.join(BUNDLES, name, 'index.mjs'), `export const handler = () => '${name}';\n`);
}

const CONTEXT = {
  issuer: 'https://auth.example.com',
  audience: 'latchkey',
  certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000',
  corsOrigins: 'https://app.example.com',
  lambdaBundleDir: BUNDLES,
};

function synthesize(
  deployment: Deployment,
  environment: Environment,
  context: Record<string, string> = {},
): LatchkeyStacks & { stacks: Stack[] } {
  const app = new App({ context: { ...CONTEXT, deployment, environment, ...context } });
  const stacks = addLatchkeyStacks(app);
  return {
    ...stacks,
    stacks: [
      stacks.network,
      stacks.data,
      stacks.secrets,
      stacks.events,
      ...stacks.compute,
      ...(stacks.alarms ? [stacks.alarms] : []),
    ],
  };
}

const json = (stack: Stack) => Template.fromStack(stack).toJSON() as CfnTemplate;

describe('infra/aws: the CDK stacks, synthesized offline', () => {
  const combinations = DEPLOYMENTS.flatMap((deployment) =>
    ENVIRONMENTS.map((environment) => ({ deployment, environment, ...synthesize(deployment, environment) })),
  );

  it('synthesizes every deployment × environment, each stack named after its environment', () => {
    for (const { deployment, environment, stacks } of combinations) {
      const names = [
        'Network',
        'Data',
        'Secrets',
        'Events',
        ...{
          monolith: ['Registry', 'Monolith', 'Alarms'],
          services: ['Registry', 'Services', 'Alarms'],
          serverless: ['Serverless', 'Alarms'],
        }[deployment],
      ];
      expect(stacks.map((stack) => stack.stackName)).toEqual(
        names.map((name) => `Latchkey-${environment}-${name}`),
      );
      for (const stack of stacks) expect(Object.keys(json(stack).Resources ?? {}).length).toBeGreaterThan(0);
    }
  });

  it('opens nothing to the world but the load balancer on 443, which has no listener on 80', () => {
    for (const { stacks } of combinations)
      for (const stack of stacks) expect(worldOpenIngress(json(stack))).toEqual([]);
    const monolith = Template.fromStack(combinations.find((c) => c.deployment === 'monolith')!.compute[1]!);
    const listeners = Object.values(monolith.findResources('AWS::ElasticLoadBalancingV2::Listener'));
    expect(listeners.map((listener) => [listener.Properties.Port, listener.Properties.Protocol])).toEqual([
      [443, 'HTTPS'],
    ]);
    monolith.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }],
    });
  });

  it('keeps the database, its proxy and Redis in the isolated subnets, encrypted at rest and in transit', () => {
    for (const { data, network } of combinations) {
      const template = Template.fromStack(data);
      expect(dataPlacementProblems(template.toJSON() as CfnTemplate)).toEqual([]);
      template.resourceCountIs('AWS::RDS::DBCluster', 1);
      template.resourceCountIs('AWS::RDS::DBProxy', 1);
      template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 1);
      // The subnets named `data` have no route to the internet: no NAT, no internet gateway.
      const routes = Object.entries(json(network).Resources ?? {}).filter(
        ([, r]) => r.Type === 'AWS::EC2::Route',
      );
      expect(routes.filter(([id]) => id.includes('data'))).toEqual([]);
    }
  });

  it('reaches the database only through its proxy, the proxy and Redis only from the compute, the tasks only from the load balancer', () => {
    const ingressOf = (deployment: Deployment) =>
      combinations
        .find((c) => c.deployment === deployment)!
        .stacks.flatMap((stack) => Object.entries(json(stack).Resources ?? {}))
        .filter(([, resource]) => resource.Type === 'AWS::EC2::SecurityGroupIngress')
        .map(([, resource]) => {
          const p = resource.Properties as {
            GroupId: unknown;
            SourceSecurityGroupId: unknown;
            FromPort: unknown;
          };
          // A group by its logical id, whether referenced in its stack or imported from another.
          const logical = (value: unknown) =>
            JSON.stringify(value).match(/(?:"|Ref|GetAtt)(\w+?)[0-9A-F]{8}(?:"|GroupId)/)?.[1];
          // The cluster's port is its endpoint's attribute (5432), not a number, until deployment.
          const port = typeof p.FromPort === 'number' ? p.FromPort : `${logical(p.FromPort)} port`;
          return `${logical(p.SourceSecurityGroupId)} -> ${logical(p.GroupId)}:${port}`;
        })
        .sort();
    expect(ingressOf('monolith')).toEqual([
      'LoadBalancerSecurityGroup -> Tasks:3000',
      'ProxyGroup -> DatabaseGroup:Database port',
      'Tasks -> ProxyGroup:5432',
      'Tasks -> RedisGroup:6379',
    ]);
    // The gateway only from the load balancer; the services only from the gateway and each other;
    // the broker only from the services; the gateway reaches Redis, never the database.
    expect(ingressOf('services')).toEqual([
      'GatewayTasks -> RedisGroup:6379',
      'GatewayTasks -> ServiceTasks:3001',
      'GatewayTasks -> ServiceTasks:3002',
      'LoadBalancerSecurityGroup -> GatewayTasks:3000',
      'ProxyGroup -> DatabaseGroup:Database port',
      'ServiceTasks -> BrokerGroup:5671',
      'ServiceTasks -> ProxyGroup:5432',
      'ServiceTasks -> RedisGroup:6379',
      'ServiceTasks -> ServiceTasks:3001',
      'ServiceTasks -> ServiceTasks:3002',
    ]);
    // Nothing reaches the functions but their invokers (API Gateway, the scheduler): no ingress.
    expect(ingressOf('serverless')).toEqual([
      'Functions -> ProxyGroup:5432',
      'Functions -> RedisGroup:6379',
      'ProxyGroup -> DatabaseGroup:Database port',
    ]);
  });

  it('puts no secret in a template: passwords and tokens are generated or Secrets Manager references', () => {
    for (const { stacks } of combinations)
      for (const stack of stacks) expect(secretValueProblems(json(stack), [EMPTY_KEY_SET])).toEqual([]);
    const { data, secrets } = combinations[0]!;
    const redis = Template.fromStack(data).findResources('AWS::ElastiCache::ReplicationGroup');
    expect(JSON.stringify(Object.values(redis)[0]!.Properties.AuthToken)).toContain(
      '{{resolve:secretsmanager:',
    );
    // The pepper and the key-encryption key are generated by Secrets Manager at deployment.
    const generated = Object.values(Template.fromStack(secrets).findResources('AWS::SecretsManager::Secret'))
      .map(
        (secret) =>
          (secret as { Properties: { GenerateSecretString?: { GenerateStringKey?: string } } }).Properties,
      )
      .map((properties) => properties.GenerateSecretString?.GenerateStringKey)
      .filter(Boolean)
      .sort();
    expect(generated).toEqual(['KEY_ENCRYPTION_KEY', 'REFRESH_TOKEN_PEPPER', 'SMTP_URL']);
  });

  it('protects production: deletion protection, backups, failover, secrets kept; dev stays disposable', () => {
    for (const { environment, data, secrets } of combinations) {
      const problems = productionDurabilityProblems(json(data));
      if (environment === 'prod') expect(problems).toEqual([]);
      else expect(problems).toContainEqual(expect.stringMatching(/no deletion protection/));
      const retained = Object.values(json(secrets).Resources ?? {}).map((secret) => secret.DeletionPolicy);
      expect(retained).toEqual(['Retain', 'Retain', 'Retain', 'Retain']);
    }
  });

  it('lists each role and what it may do: compute connects as its user and publishes events; nothing else', () => {
    const pull = [
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:GetAuthorizationToken',
      'ecr:GetDownloadUrlForLayer',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ];
    const readSecrets = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
    const sign = ['kms:GetPublicKey', 'kms:Sign'];
    const expected: Record<Deployment, [string, string[]][]> = {
      monolith: [
        ['ApiTaskRole', ['events:PutEvents', 'rds-db:connect']],
        ['ApiExecutionRole', pull],
        ['MigrateTaskRole', ['rds-db:connect']],
        ['MigrateExecutionRole', pull],
      ],
      services: [
        ['authservicetaskTaskRole', ['rds-db:connect']],
        ['authservicetaskExecutionRole', pull],
        ['userservicetaskTaskRole', ['rds-db:connect']],
        ['userservicetaskExecutionRole', pull],
        ['gatewaytaskTaskRole', []],
        ['gatewaytaskExecutionRole', pull],
        ['CreateDatabasesTaskRole', ['rds-db:connect']],
        ['CreateDatabasesExecutionRole', pull],
      ],
      serverless: [
        ['HttpServiceRole', ['events:PutEvents', ...sign, 'rds-db:connect', ...readSecrets]],
        [
          'ScheduledServiceRole',
          [
            'events:PutEvents',
            'kms:CreateKey',
            'kms:GetPublicKey',
            'kms:ScheduleKeyDeletion',
            'kms:Sign',
            'kms:TagResource',
            'rds-db:connect',
            ...readSecrets,
            'secretsmanager:PutSecretValue',
            'secretsmanager:UpdateSecretVersionStage',
          ],
        ],
        ['MigrateServiceRole', ['rds-db:connect', ...readSecrets]],
        ['SchedulerRoleForTarget', ['lambda:InvokeFunction', 'sqs:SendMessage']],
      ],
    };
    for (const { deployment, stacks } of combinations) {
      const roles = Object.assign({}, ...stacks.map((stack) => roleActions(json(stack)))) as Record<
        string,
        string[]
      >;
      expect(
        Object.entries(roles).map(([role, actions]) => [
          role.replace(/([0-9A-F]{6})?[0-9A-F]{8}$/, ''),
          actions,
        ]),
      ).toEqual([
        ['DatabaseProxyIAMRole', ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']],
        ...expected[deployment],
      ]);
    }
    const statementsOf = (stack: Stack) =>
      Object.values(json(stack).Resources ?? {})
        .filter((resource) => resource.Type === 'AWS::IAM::Policy')
        .flatMap(
          (policy) =>
            (
              policy.Properties!.PolicyDocument as {
                Statement: { Action: string[] | string; Resource: unknown; Condition?: unknown }[];
              }
            ).Statement,
        );
    const secretNames =
      /(RefreshTokenPepper|KeyEncryptionKey|RedisAuthToken|DatabaseSecret|SmtpUrl|SigningKeySet)/;
    // The secrets the monolith's execution role may read are exactly the container's four.
    const monolith = combinations.find((c) => c.deployment === 'monolith')!.compute[1]!;
    const readable = statementsOf(monolith)
      .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
      .flatMap((statement) => [statement.Resource].flat())
      .map((resource) => JSON.stringify(resource).match(secretNames)?.[1]);
    expect([...new Set(readable)].sort()).toEqual([
      'KeyEncryptionKey',
      'RedisAuthToken',
      'RefreshTokenPepper',
      'SmtpUrl',
    ]);
    // rds-db:connect is for the proxy's user `latchkey` only, events:PutEvents for the bus only.
    for (const statement of statementsOf(monolith)) {
      const actions = [statement.Action].flat();
      if (actions.includes('rds-db:connect'))
        expect(JSON.stringify(statement.Resource)).toMatch(/dbuser:.*\/latchkey"/);
      if (actions.includes('events:PutEvents'))
        expect(JSON.stringify(statement.Resource)).toMatch(/Latchkey-dev-Events:\w+GetAttBus\w+Arn/);
    }
    // The functions: KMS only on keys tagged for signing; a key made only with that tag; the key
    // set written by the scheduled function alone.
    const serverless = combinations.find((c) => c.deployment === 'serverless')!.compute[0]!;
    for (const statement of statementsOf(serverless)) {
      const actions = [statement.Action].flat();
      if (actions.some((action) => action.startsWith('kms:')))
        expect(statement.Condition).toEqual({
          StringEquals: {
            [actions.includes('kms:CreateKey')
              ? 'aws:RequestTag/latchkey:purpose'
              : 'aws:ResourceTag/latchkey:purpose']: 'access-token-signing',
          },
        });
      if (actions.includes('secretsmanager:PutSecretValue'))
        expect(JSON.stringify(statement.Resource)).toMatch(/SigningKeySet/);
    }
    expect(
      statementsOf(serverless)
        .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((statement) => JSON.stringify(statement.Resource).match(secretNames)?.[1])
        .sort(),
    ).toEqual(
      [
        ...['RefreshTokenPepper', 'RedisAuthToken', 'SmtpUrl'].flatMap((secret) => [secret, secret, secret]),
        'SigningKeySet',
        'SigningKeySet',
      ].sort(),
    );
  });

  it('runs the monolith from the registry at the given tag: secrets as ECS secrets, health on /health/ready, scaled, migrated apart', () => {
    const app = new App({
      context: { ...CONTEXT, deployment: 'monolith', environment: 'prod', imageTag: 'abc1234' },
    });
    const template = Template.fromStack(addLatchkeyStacks(app).compute[1]!);
    const definitions = Object.values(template.findResources('AWS::ECS::TaskDefinition')).map(
      (definition) =>
        (definition.Properties as { ContainerDefinitions: Record<string, unknown>[] })
          .ContainerDefinitions[0]!,
    );
    expect(definitions.map((container) => container.Command ?? "the image's")).toEqual([
      "the image's",
      ['node', 'apps/api/dist/cli/migrate.js'],
    ]);
    for (const container of definitions) {
      expect(JSON.stringify(container.Image)).toContain(':abc1234');
      expect((container.Secrets as { Name: string }[]).map((secret) => secret.Name).sort()).toEqual([
        'KEY_ENCRYPTION_KEY',
        'REDIS_PASSWORD',
        'REFRESH_TOKEN_PEPPER',
        'SMTP_URL',
      ]);
      const environment = Object.fromEntries(
        (container.Environment as { Name: string; Value: unknown }[]).map((entry) => [
          entry.Name,
          entry.Value,
        ]),
      );
      expect(environment).toMatchObject({
        NODE_ENV: 'production',
        DB_MIGRATE_ON_START: 'false',
        DATABASE_IAM_AUTH: 'true',
        KEYS_STORE: 'database',
        JWT_ISSUER: CONTEXT.issuer,
        JWT_AUDIENCE: CONTEXT.audience,
      });
    }
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health/ready',
      Matcher: { HttpCode: '200' },
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
    });
    const policies = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).map(
      (policy) =>
        (
          policy.Properties as {
            TargetTrackingScalingPolicyConfiguration: {
              PredefinedMetricSpecification: { PredefinedMetricType: string };
            };
          }
        ).TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType,
    );
    expect(policies.sort()).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });

    // The first deployment: the service with no task, until the schema and a signing key exist.
    const first = new App({
      context: { ...CONTEXT, deployment: 'monolith', environment: 'prod', firstDeployment: 'true' },
    });
    Template.fromStack(addLatchkeyStacks(first).compute[1]!).hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 0,
    });
  });

  it('runs the functions behind API Gateway: the JWT authorizer pinned to the API issuer and audience, on the bearer-only routes', () => {
    const stacks = synthesize('serverless', 'prod');
    const serverless = stacks.compute[0] as ServerlessStack;
    const template = Template.fromStack(serverless);
    expect(jwtAuthorizerProblems(template.toJSON() as CfnTemplate)).toEqual([]);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: CONTEXT.issuer, Audience: [CONTEXT.audience] },
      IdentitySource: ['$request.header.Authorization'],
    });
    // Every operation the contract lets only a bearer token call, and nothing else, is behind it.
    const authorized = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .map((route) => route.Properties as { RouteKey: string; AuthorizationType?: string })
      .filter((route) => route.AuthorizationType === 'JWT')
      .map((route) => route.RouteKey)
      .sort();
    const contract = bearerOnlyRoutes(path.join(repositoryRoot(), 'docs', 'openapi.yaml'));
    expect(authorized).toEqual(contract.map((route) => `${route.method} ${route.path}`).sort());
    expect(authorized).toEqual(
      expect.arrayContaining(['GET /v1/auth/me', 'GET /auth/me', 'DELETE /v1/users/{id}']),
    );
    expect(authorized).not.toContain('POST /v1/auth/login');
    expect(authorized).not.toContain('POST /v1/auth/logout'); // also a refresh cookie's
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$default',
      AuthorizationType: 'NONE',
    });
    // CORS as the API answers it, for the configured origins only; on the issuer's domain alone.
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://app.example.com'],
        AllowCredentials: true,
      }),
      DisableExecuteApiEndpoint: true,
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'auth.example.com' });

    const functions = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) =>
        fn.Properties as {
          Handler: string;
          Runtime: string;
          ReservedConcurrentExecutions: number;
          Environment: { Variables: Record<string, unknown> };
        },
    );
    expect(functions.map((fn) => [fn.Handler, fn.Runtime, fn.ReservedConcurrentExecutions])).toEqual([
      ['index.handler', 'nodejs20.x', 100],
      ['index.handler', 'nodejs20.x', 1],
      ['index.handler', 'nodejs20.x', 1],
    ]);
    for (const fn of functions) {
      expect(fn.Environment.Variables).toMatchObject({
        NODE_ENV: 'production',
        DATABASE_IAM_AUTH: 'true',
        KEYS_STORE: 'secrets-manager',
        KEYS_CUSTODY: 'kms',
        JWT_ISSUER: CONTEXT.issuer,
        CORS_ORIGINS: 'https://app.example.com',
      });
      expect(String(JSON.stringify(fn.Environment.Variables.DATABASE_URL))).toMatch(
        /latchkey@.*sslmode=verify-full/,
      );
      // Three secrets named, none of their values: the pepper, Redis's token, SMTP_URL.
      expect(
        JSON.stringify(fn.Environment.Variables.SERVER_SECRETS_ID).match(
          /RefreshTokenPepper|RedisAuthToken|SmtpUrl/g,
        ),
      ).toEqual(['RefreshTokenPepper', 'RedisAuthToken', 'SmtpUrl']);
    }
    // EventBridge Scheduler runs the monolith's timers, each retried, then dead-lettered.
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
      (schedule) =>
        schedule.Properties as {
          ScheduleExpression: string;
          Target: {
            Input: string;
            DeadLetterConfig?: unknown;
            RetryPolicy: { MaximumRetryAttempts: number };
          };
        },
    );
    expect(
      schedules.map((schedule) => [JSON.parse(schedule.Target.Input).task, schedule.ScheduleExpression]),
    ).toEqual([
      ['cleanup', 'rate(10 minutes)'],
      ['rotate-signing-keys', 'rate(1 hour)'],
      ['relay', 'rate(1 minute)'],
    ]);
    for (const schedule of schedules) {
      expect(schedule.Target.DeadLetterConfig).toBeDefined();
      expect(schedule.Target.RetryPolicy.MaximumRetryAttempts).toBe(2);
    }

    // -c edgeAuthorizer=false leaves every check to the function.
    const without = Template.fromStack(
      synthesize('serverless', 'dev', { edgeAuthorizer: 'false' }).compute[0]!,
    );
    without.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    without.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
  });

  it('runs the gateway and the two services: found by Service Connect, each given only what it uses', () => {
    const services = synthesize('services', 'prod').compute[1]!;
    const template = Template.fromStack(services);
    const containers = Object.fromEntries(
      Object.values(template.findResources('AWS::ECS::TaskDefinition')).map((definition) => {
        const container = (definition.Properties as { ContainerDefinitions: Record<string, unknown>[] })
          .ContainerDefinitions[0]!;
        const environment = Object.fromEntries(
          (container.Environment as { Name: string; Value: unknown }[]).map((entry) => [
            entry.Name,
            entry.Value,
          ]),
        );
        const secrets = (container.Secrets as { Name: string }[]).map((secret) => secret.Name).sort();
        return [(container.Command as string[]).slice(1).join(' '), { environment, secrets }];
      }),
    );
    expect(Object.keys(containers)).toEqual([
      'apps/auth-service/dist/main.js',
      'apps/user-service/dist/main.js',
      'apps/gateway/dist/main.js',
      'apps/api/dist/cli/create-databases.js latchkey_auth latchkey_users',
    ]);
    const auth = containers['apps/auth-service/dist/main.js']!;
    const users = containers['apps/user-service/dist/main.js']!;
    const gateway = containers['apps/gateway/dist/main.js']!;
    expect(auth.secrets).toEqual([
      'AMQP_URL',
      'INTERNAL_AUTH_KEYS',
      'KEY_ENCRYPTION_KEY',
      'REDIS_PASSWORD',
      'REFRESH_TOKEN_PEPPER',
      'SMTP_URL',
    ]);
    expect(users.secrets).toEqual([
      'AMQP_URL',
      'INTERNAL_AUTH_KEYS',
      'REDIS_PASSWORD',
      'REFRESH_TOKEN_PEPPER',
      'SMTP_URL',
    ]);
    // The gateway opens no database, sends no mail, holds no key-encryption key.
    expect(gateway.secrets).toEqual(['INTERNAL_AUTH_KEYS', 'REDIS_PASSWORD', 'REFRESH_TOKEN_PEPPER']);
    expect(gateway.environment.DATABASE_URL).toBeUndefined();
    // The services' peer is their Service Connect proxy, on loopback: trusted for X-Forwarded-For.
    expect(JSON.stringify(auth.environment.TRUST_PROXY)).toMatch(/,loopback"/);
    expect(JSON.stringify(users.environment.TRUST_PROXY)).toMatch(/,loopback"/);
    expect(JSON.stringify(gateway.environment.TRUST_PROXY)).not.toContain('loopback');
    expect(JSON.stringify(auth.environment.DATABASE_URL)).toMatch(
      /latchkey@.*:5432\/latchkey_auth\?sslmode=verify-full/,
    );
    expect(JSON.stringify(users.environment.DATABASE_URL)).toMatch(
      /:5432\/latchkey_users\?sslmode=verify-full/,
    );
    for (const container of [auth, users, gateway])
      expect(container.environment).toMatchObject({
        AUTH_SERVICE_URL: 'http://auth-service:3001',
        USER_SERVICE_URL: 'http://user-service:3002',
        JWT_ISSUER: CONTEXT.issuer,
      });
    // The services are named in the namespace; the gateway is a client of it only.
    const connect = Object.values(template.findResources('AWS::ECS::Service')).map(
      (service) =>
        (
          service.Properties as {
            ServiceConnectConfiguration: {
              Enabled: boolean;
              Services?: { ClientAliases: { DnsName: string; Port: number }[] }[];
            };
          }
        ).ServiceConnectConfiguration,
    );
    expect(
      connect.map((config) => [
        config.Enabled,
        (config.Services ?? []).flatMap((service) =>
          service.ClientAliases.map((alias) => `${alias.DnsName}:${alias.Port}`),
        ),
      ]),
    ).toEqual([
      [true, ['auth-service:3001']],
      [true, ['user-service:3002']],
      [true, []],
    ]);
    // Only the gateway is behind the load balancer.
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    // The broker: RabbitMQ, not public, in the isolated subnets, three zones in prod; its URL a
    // secret composed at deployment from the generated password's reference.
    template.hasResourceProperties('AWS::AmazonMQ::Broker', {
      EngineType: 'RABBITMQ',
      PubliclyAccessible: false,
      DeploymentMode: 'CLUSTER_MULTI_AZ',
    });
    expect(dataPlacementProblems(json(services))).toEqual([]);
    const amqp = Object.values(template.findResources('AWS::SecretsManager::Secret')).find((secret) =>
      JSON.stringify(secret.Properties).includes('AMQP_URL'),
    )!;
    expect(JSON.stringify(amqp.Properties.SecretString)).toContain('{{resolve:secretsmanager:');
  });

  it('alarms on the mirrored Prometheus rules, each to the SNS topic', () => {
    for (const deployment of DEPLOYMENTS) {
      const { alarms, events } = synthesize(deployment, 'prod', { alarmEmail: 'oncall@example.com' });
      const template = Template.fromStack(alarms!);
      const made = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
        (alarm) => alarm.Properties as { AlarmName: string; AlarmActions: unknown[] },
      );
      expect(made.map((alarm) => alarm.AlarmName)).toEqual(
        [
          'ServerErrors',
          'RefreshTokenReuse',
          'EventOutboxLag',
          'EmailOutboxBacklog',
          'EventsDeadLettered',
          ...(deployment === 'serverless' ? ['ScheduledTaskFailures'] : []),
        ].map((name) => `Latchkey-prod-${name}`),
      );
      for (const alarm of made)
        expect(JSON.stringify(alarm.AlarmActions)).toMatch(/AlarmsTopic|Alarms[0-9A-F]{8}/);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
      });
      // The reuse alarm counts the API's warning for each detection (REUSE_DETECTED_LOG_LINE).
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'Latchkey-prod-RefreshTokenReuse',
        MetricName: 'RefreshTokenReuseDetections',
        Namespace: 'Latchkey/prod',
      });
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterPattern: '{ $.msg = "refresh token reuse detected*" }',
        MetricTransformations: [Match.objectLike({ MetricName: 'RefreshTokenReuseDetections' })],
      });
      expect(REUSE_DETECTED_LOG_LINE).toMatch(/^refresh token reuse detected/);
      Template.fromStack(events).hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['latchkey.identity'],
          'detail-type': ['latchkey.identity.refresh_token.reuse_detected.v1'],
        },
        Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
      });
      // The relays' failures are counted from the log lines they write.
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterPattern: '{ $.msg = "event send failed*" || $.msg = "event outbox pass failed" }',
      });
    }
  });

  it('fails each check on a stack broken on purpose (the checks are not vacuous)', () => {
    const { data } = synthesize('monolith', 'prod');
    const cluster = data.cluster.node.defaultChild as rds.CfnDBCluster;
    cluster.storageEncrypted = false;
    cluster.deletionProtection = false;
    data.redis.transitEncryptionEnabled = false;
    data.redis.authToken = 'a-token-written-into-the-template';
    new ec2.CfnSecurityGroupIngress(data, 'OpenDatabase', {
      groupId: data.proxyGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 5432,
      toPort: 5432,
      cidrIp: '0.0.0.0/0',
    });
    const template = json(data);
    expect(dataPlacementProblems(template)).toEqual([
      expect.stringMatching(/^Database\w*: storage not encrypted$/),
      expect.stringMatching(/^Redis: no encryption in transit$/),
    ]);
    expect(productionDurabilityProblems(template)).toEqual([
      expect.stringMatching(/: no deletion protection$/),
    ]);
    expect(secretValueProblems(template)).toEqual([
      'Redis.Properties.AuthToken: a value, not a Secrets Manager reference',
    ]);
    expect(worldOpenIngress(template)).toEqual(['OpenDatabase: open to the world on tcp 5432-5432']);

    // An authorizer that trusts another issuer, or another audience, than the API's.
    const serverless = synthesize('serverless', 'prod').compute[0] as ServerlessStack;
    const authorizer = serverless.node
      .findAll()
      .find((construct) => construct instanceof apigwv2.CfnAuthorizer) as apigwv2.CfnAuthorizer;
    authorizer.jwtConfiguration = { issuer: 'https://elsewhere.example.com', audience: ['another'] };
    expect(jwtAuthorizerProblems(json(serverless))).toEqual([
      expect.stringMatching(/: issuer "https:\/\/elsewhere.example.com" is not the API's JWT_ISSUER$/),
      expect.stringMatching(/: audience \["another"\] is not the API's JWT_AUDIENCE$/),
    ]);
  });

  it('refuses context that cannot make a deployment, naming each value', () => {
    const app = new App({
      context: { deployment: 'kubernetes', environment: 'staging', issuer: 'http://auth' },
    });
    expect(() => addLatchkeyStacks(app)).toThrow(
      [
        "Latchkey's CDK context is not usable:",
        '- deployment: must be one of monolith, services, serverless (got "kubernetes")',
        '- environment: must be one of dev, prod (got "staging")',
        `- issuer: must be the API's public https URL, JWT_ISSUER (got "http://auth")`,
      ].join('\n'),
    );
  });
});
