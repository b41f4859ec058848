import { Duration, Fn, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as amazonmq from 'aws-cdk-lib/aws-amazonmq';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { computeLogGroup, type ContainerStackProps } from './compute-props';
import { SUBNETS } from './network-stack';
import { publicHttpsEntry } from './public-entry';

/** The three processes (apps/*), their ports and what each is given (docker-compose.yml's profile). */
export const SERVICES = {
  gateway: { port: 3000, main: 'apps/gateway/dist/main.js', database: undefined },
  'auth-service': { port: 3001, main: 'apps/auth-service/dist/main.js', database: 'latchkey_auth' },
  'user-service': { port: 3002, main: 'apps/user-service/dist/main.js', database: 'latchkey_users' },
} as const;
export type ServiceName = keyof typeof SERVICES;

/** The Cloud Map namespace the services find each other in (ECS Service Connect). */
const NAMESPACE = 'latchkey.internal';
const BROKER_USER = 'latchkey';

/**
 * The services deployment (decision 0012) on ECS Fargate, from the same image as the monolith:
 * the gateway behind an internet-facing load balancer on HTTPS only (the one public entry), the
 * auth and user services reachable only inside the VPC through **ECS Service Connect** (Cloud Map
 * names `auth-service` and `user-service`, and an Envoy proxy beside each task that balances over
 * the healthy tasks of the other: service discovery and internal-only load balancing, no second
 * load balancer), each accepting only the gateway and each other, and the internal tokens on top
 * (INTERNAL_AUTH_KEYS). Each service keeps its tables in a database of its own on the one Aurora
 * cluster (`latchkey_auth`, `latchkey_users`, made once by the CreateDatabases task), connecting
 * through RDS Proxy with IAM tokens, and migrates on start under its advisory lock (the services
 * have no release-time migration command; docs/runbooks/migrations.md's rule, each release's
 * schema working with the previous code, is what makes that safe). Events go between them through
 * **Amazon MQ for RabbitMQ** (the consumer library's queues, retries and dead-letter queue;
 * EventBridge has no consumer here), TLS only, in the isolated subnets, its URL a secret composed
 * at deployment. The gateway opens no database and holds no key-encryption key; the internal
 * keys are one secret per process, put by the operator (scripts/internal-keys.cjs makes a
 * consistent set), as SMTP_URL is.
 */
export class ServicesStack extends Stack {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly services: Record<ServiceName, ecs.FargateService>;
  readonly createDatabases: ecs.FargateTaskDefinition;
  readonly broker: amazonmq.CfnBroker;
  readonly logGroup: logs.LogGroup;
  readonly internalKeys: Record<ServiceName, secretsmanager.Secret>;

  constructor(scope: Construct, id: string, props: ContainerStackProps) {
    super(scope, id, props);
    const { config, vpc, data, secrets } = props;
    const prod = config.environment === 'prod';
    const secretName = (suffix: string) => `${config.prefix.toLowerCase()}/${suffix}`;

    const gatewayGroup = new ec2.SecurityGroup(this, 'GatewayTasks', {
      vpc,
      description: 'Latchkey gateway: from the load balancer; to the services and Redis',
    });
    const serviceGroup = new ec2.SecurityGroup(this, 'ServiceTasks', {
      vpc,
      description: 'Latchkey auth and user services: from the gateway and each other only',
    });
    for (const name of ['auth-service', 'user-service'] as const) {
      const { port } = SERVICES[name];
      serviceGroup.addIngressRule(gatewayGroup, ec2.Port.tcp(port), `the gateway to the ${name}`);
      serviceGroup.addIngressRule(serviceGroup, ec2.Port.tcp(port), `the other service to the ${name}`);
    }
    data.allowClient(this, 'Services', serviceGroup);
    data.allowClient(this, 'Gateway', gatewayGroup, { database: false });

    // The broker: RabbitMQ with TLS (amqps, 5671) in the isolated subnets, from the services only.
    const brokerGroup = new ec2.SecurityGroup(this, 'BrokerGroup', {
      vpc,
      description: 'Amazon MQ (RabbitMQ): from the Latchkey services only',
      allowAllOutbound: false,
    });
    brokerGroup.addIngressRule(serviceGroup, ec2.Port.tcp(5671), 'the services, AMQP over TLS');
    const brokerPassword = new secretsmanager.Secret(this, 'BrokerPassword', {
      secretName: secretName('broker-password'),
      description: 'The RabbitMQ (Amazon MQ) password of the Latchkey services',
      // Amazon MQ refuses , : = in a password, and the URL would need @ / % escaped: none generated.
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
    });
    const dataSubnets = vpc.selectSubnets({ subnetGroupName: SUBNETS.data }).subnetIds;
    this.broker = new amazonmq.CfnBroker(this, 'Broker', {
      brokerName: `${config.prefix.toLowerCase()}-events`,
      engineType: 'RABBITMQ',
      engineVersion: '3.13',
      autoMinorVersionUpgrade: true,
      // A three-node cluster over three zones in prod (it needs an m5 node type), one node in dev.
      deploymentMode: prod ? 'CLUSTER_MULTI_AZ' : 'SINGLE_INSTANCE',
      hostInstanceType: prod ? 'mq.m5.large' : 'mq.t3.micro',
      publiclyAccessible: false,
      subnetIds: prod ? dataSubnets : [Fn.select(0, dataSubnets)],
      securityGroups: [brokerGroup.securityGroupId],
      encryptionOptions: { useAwsOwnedKey: true },
      logs: { general: true },
      users: [{ username: BROKER_USER, password: brokerPassword.secretValue.unsafeUnwrap() }],
    });
    // AMQP_URL, composed by CloudFormation at deployment: the template holds the password's
    // {{resolve:secretsmanager:…}} reference, never its value.
    const endpoint = Fn.select(1, Fn.split('amqps://', Fn.select(0, this.broker.attrAmqpEndpoints)));
    const amqpUrl = new secretsmanager.Secret(this, 'AmqpUrl', {
      secretName: secretName('amqp-url'),
      description: 'AMQP_URL of the Latchkey services (composed from the broker and its password)',
      secretObjectValue: {
        AMQP_URL: SecretValue.unsafePlainText(
          Fn.join('', [`amqps://${BROKER_USER}:`, brokerPassword.secretValue.unsafeUnwrap(), '@', endpoint]),
        ),
      },
    });

    // Each process's INTERNAL_AUTH_KEYS ({peer: secret}; decision 0013), put by the operator from
    // `node scripts/internal-keys.cjs <dir>`: until then the placeholder is no JSON and the process
    // refuses to start, naming INTERNAL_AUTH_KEYS.
    this.internalKeys = Object.fromEntries(
      (Object.keys(SERVICES) as ServiceName[]).map((name) => [
        name,
        new secretsmanager.Secret(this, `InternalKeys-${name}`, {
          secretName: secretName(`internal-keys/${name}`),
          description: `INTERNAL_AUTH_KEYS of the ${name} ({"INTERNAL_AUTH_KEYS": "<${name}.keys.json>"}): put before the first deployment`,
          generateSecretString: {
            secretStringTemplate: '{}',
            generateStringKey: 'INTERNAL_AUTH_KEYS',
            passwordLength: 32,
            excludePunctuation: true,
          },
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      ]),
    ) as Record<ServiceName, secretsmanager.Secret>;

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    cluster.addDefaultCloudMapNamespace({ name: NAMESPACE, useForServiceConnect: true });
    this.logGroup = computeLogGroup(this, 'Logs', config);
    const image = ecs.ContainerImage.fromEcrRepository(props.repository, config.imageTag);
    const redisUrl = data.redisUrl;

    const definition = (name: ServiceName | 'CreateDatabases') => {
      const service = name === 'CreateDatabases' ? undefined : SERVICES[name];
      const task = new ecs.FargateTaskDefinition(this, name === 'CreateDatabases' ? name : `${name}-task`, {
        cpu: prod ? 1024 : 512,
        memoryLimitMiB: prod ? 2048 : 1024,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64 },
      });
      const database = name === 'CreateDatabases' ? 'latchkey' : service!.database;
      const environment: Record<string, string> = {
        NODE_ENV: 'production',
        HOST: '0.0.0.0',
        PORT: String(service?.port ?? 3000),
        LOG_LEVEL: 'info',
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: 'latchkey-services:',
        EVENTS_EXCHANGE: 'latchkey.services.events',
        AUTH_SERVICE_URL: `http://auth-service:${SERVICES['auth-service'].port}`,
        USER_SERVICE_URL: `http://user-service:${SERVICES['user-service'].port}`,
        JWT_ISSUER: config.issuer,
        JWT_AUDIENCE: config.audience,
        APP_BASE_URL: config.appBaseUrl,
        CORS_ORIGINS: config.corsOrigins.join(','),
        // The gateway's peer is the load balancer (in the VPC). A service's peer is the Service
        // Connect proxy in its own task (loopback), which forwards the gateway's X-Forwarded-For:
        // without loopback every client would be 127.0.0.1 to the services' rate limits.
        TRUST_PROXY: service?.database ? `${vpc.vpcCidrBlock},loopback` : vpc.vpcCidrBlock,
        OTEL_SERVICE_NAME: `latchkey-${name.toLowerCase()}`,
        ...(database
          ? {
              DATABASE_URL: data.databaseUrl(database),
              DATABASE_IAM_AUTH: 'true',
              DB_MIGRATE_ON_START: 'true',
            }
          : {}),
        ...(name === 'auth-service' ? { KEYS_STORE: 'database' } : {}),
      };
      const containerSecrets: Record<string, ecs.Secret> = {
        REDIS_PASSWORD: ecs.Secret.fromSecretsManager(data.redisAuthToken, 'REDIS_PASSWORD'),
        REFRESH_TOKEN_PEPPER: ecs.Secret.fromSecretsManager(
          secrets.refreshTokenPepper,
          'REFRESH_TOKEN_PEPPER',
        ),
        ...(name !== 'CreateDatabases'
          ? {
              INTERNAL_AUTH_KEYS: ecs.Secret.fromSecretsManager(
                this.internalKeys[name],
                'INTERNAL_AUTH_KEYS',
              ),
            }
          : {}),
        ...(database ? { SMTP_URL: ecs.Secret.fromSecretsManager(secrets.smtpUrl, 'SMTP_URL') } : {}),
        ...(name === 'auth-service' || name === 'user-service'
          ? { AMQP_URL: ecs.Secret.fromSecretsManager(amqpUrl, 'AMQP_URL') }
          : {}),
        ...(name === 'auth-service'
          ? {
              KEY_ENCRYPTION_KEY: ecs.Secret.fromSecretsManager(
                secrets.keyEncryptionKey,
                'KEY_ENCRYPTION_KEY',
              ),
            }
          : {}),
      };
      task.addContainer('latchkey', {
        image,
        command: service
          ? ['node', service.main]
          : ['node', 'apps/api/dist/cli/create-databases.js', 'latchkey_auth', 'latchkey_users'],
        environment,
        secrets: containerSecrets,
        logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: name.toLowerCase() }),
        portMappings: service ? [{ name: 'http', containerPort: service.port }] : [],
        healthCheck: service
          ? {
              // The image's HEALTHCHECK (ECS does not read it): readiness on the process's own port.
              command: [
                'CMD',
                'node',
                '-e',
                `fetch('http://127.0.0.1:${service.port}/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
              ],
              interval: Duration.seconds(10),
              timeout: Duration.seconds(3),
              retries: 6,
              startPeriod: Duration.seconds(30),
            }
          : undefined,
        stopTimeout: Duration.seconds(30),
      });
      if (database) data.grantConnect(task.taskRole);
      return task;
    };

    const run = (name: ServiceName) => {
      const internal = name !== 'gateway';
      return new ecs.FargateService(this, name, {
        cluster,
        taskDefinition: definition(name),
        desiredCount: config.firstDeployment ? 0 : prod ? 2 : 1,
        vpcSubnets: { subnetGroupName: SUBNETS.compute },
        securityGroups: [internal ? serviceGroup : gatewayGroup],
        circuitBreaker: { rollback: true },
        minHealthyPercent: 100,
        // The services are found by name inside the namespace; the gateway only calls them.
        // The cluster's default namespace (NAMESPACE), which the service then depends on.
        serviceConnectConfiguration: {
          services: internal ? [{ portMappingName: 'http', dnsName: name, port: SERVICES[name].port }] : [],
          logDriver: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: `${name}-envoy` }),
        },
      });
    };
    const auth = run('auth-service');
    const users = run('user-service');
    const gateway = run('gateway');
    // The gateway starts once the services it calls exist (their names resolve).
    gateway.node.addDependency(auth, users);
    this.services = { gateway, 'auth-service': auth, 'user-service': users };
    this.createDatabases = definition('CreateDatabases');

    const { loadBalancer, target } = publicHttpsEntry(this, {
      vpc,
      config,
      service: gateway,
      port: SERVICES.gateway.port,
      targetId: 'Gateway',
    });
    this.loadBalancer = loadBalancer;
    for (const [name, service] of Object.entries(this.services)) {
      const scaling = service.autoScaleTaskCount({
        minCapacity: config.firstDeployment ? 0 : prod ? 2 : 1,
        maxCapacity: config.firstDeployment ? 0 : prod ? 10 : 2,
      });
      scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
      if (name === 'gateway')
        scaling.scaleOnRequestCount('Requests', { requestsPerTarget: 1000, targetGroup: target });
    }
  }
}
