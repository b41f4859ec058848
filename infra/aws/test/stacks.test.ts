import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { addLatchkeyStacks, type LatchkeyStacks } from '../src/app';
import { DEPLOYMENTS, type Deployment, ENVIRONMENTS, type Environment } from '../src/config';
import { EMPTY_KEY_SET } from '../src/secrets-stack';
import {
  dataPlacementProblems,
  productionDurabilityProblems,
  roleActions,
  secretValueProblems,
  type Template as CfnTemplate,
  worldOpenIngress,
} from './template-checks';

const CONTEXT = {
  issuer: 'https://auth.example.com',
  audience: 'latchkey',
  certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000',
};

function synthesize(deployment: Deployment, environment: Environment): LatchkeyStacks & { stacks: Stack[] } {
  const app = new App({ context: { ...CONTEXT, deployment, environment } });
  const stacks = addLatchkeyStacks(app);
  return { ...stacks, stacks: [stacks.network, stacks.data, stacks.secrets, ...stacks.compute] };
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
        ...(deployment === 'monolith' ? ['Registry', 'Monolith'] : []),
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

  it('reaches the database only through its proxy, the proxy and Redis only from the tasks, the tasks only from the load balancer', () => {
    const { stacks } = combinations.find((c) => c.deployment === 'monolith')!;
    const ingress = stacks
      .flatMap((stack) => Object.entries(json(stack).Resources ?? {}))
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
    expect(ingress).toEqual([
      'LoadBalancerSecurityGroup -> Tasks:3000',
      'ProxyGroup -> DatabaseGroup:Database port',
      'Tasks -> ProxyGroup:5432',
      'Tasks -> RedisGroup:6379',
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
    expect(generated).toEqual(['KEY_ENCRYPTION_KEY', 'REFRESH_TOKEN_PEPPER']);
  });

  it('protects production: deletion protection, backups, failover, secrets kept; dev stays disposable', () => {
    for (const { environment, data, secrets } of combinations) {
      const problems = productionDurabilityProblems(json(data));
      if (environment === 'prod') expect(problems).toEqual([]);
      else expect(problems).toContainEqual(expect.stringMatching(/no deletion protection/));
      const retained = Object.values(json(secrets).Resources ?? {}).map((secret) => secret.DeletionPolicy);
      expect(retained).toEqual(['Retain', 'Retain', 'Retain']);
    }
  });

  it('lists each role and what it may do: the tasks call no AWS API; ECS reads their five secrets', () => {
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
    for (const { deployment, stacks } of combinations) {
      const roles = Object.assign({}, ...stacks.map((stack) => roleActions(json(stack)))) as Record<
        string,
        string[]
      >;
      expect(
        Object.entries(roles).map(([role, actions]) => [role.replace(/[0-9A-F]{8}$/, ''), actions]),
      ).toEqual([
        ['DatabaseProxyIAMRole', ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']],
        ...(deployment === 'monolith'
          ? [
              ['ApiTaskRole', []],
              ['ApiExecutionRole', pull],
              ['MigrateTaskRole', []],
              ['MigrateExecutionRole', pull],
            ]
          : []),
      ]);
    }
    // The secrets the execution role may read are exactly the container's five, by reference.
    const monolith = json(combinations.find((c) => c.deployment === 'monolith')!.compute[1]!);
    const readable = Object.values(monolith.Resources ?? {})
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap(
        (policy) =>
          (
            policy.Properties!.PolicyDocument as {
              Statement: { Action: string[] | string; Resource: unknown }[];
            }
          ).Statement,
      )
      .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
      .flatMap((statement) => [statement.Resource].flat())
      .map(
        (resource) =>
          JSON.stringify(resource).match(
            /(RefreshTokenPepper|KeyEncryptionKey|RedisAuthToken|DatabaseSecret|SmtpUrl)/,
          )?.[1],
      );
    expect([...new Set(readable)].sort()).toEqual([
      'DatabaseSecret',
      'KeyEncryptionKey',
      'RedisAuthToken',
      'RefreshTokenPepper',
      'SmtpUrl',
    ]);
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
        'PGPASSWORD',
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
