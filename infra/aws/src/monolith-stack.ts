import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { computeLogGroup, type ContainerStackProps } from './compute-props';
import type { InfraConfig } from './config';
import { SUBNETS } from './network-stack';
import { publicHttpsEntry } from './public-entry';

const PORT = 3000;

/**
 * The image registry, a stack of its own so that it exists before the first image is pushed to it
 * and the services that run it are deployed (the deploy workflow: push, then `cdk deploy`). Tags are
 * immutable: a task definition names a commit, and that commit's image cannot change under it.
 */
export class RegistryStack extends Stack {
  readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: StackProps & { config: InfraConfig }) {
    super(scope, id, props);
    this.repository = new ecr.Repository(this, 'Images', {
      repositoryName: `${props.config.prefix.toLowerCase()}/latchkey`,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: true,
      encryption: ecr.RepositoryEncryption.AES_256,
      lifecycleRules: [{ description: 'the last 50 images', maxImageCount: 50 }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/**
 * The monolith on ECS Fargate (infra/docker/Dockerfile's image, from the registry): tasks in the
 * compute subnets behind an internet-facing Application Load Balancer that listens on HTTPS only,
 * health-checked on `/health/ready`, scaled on CPU and on requests per task. The secrets reach the
 * container as ECS secrets (the execution role reads them at start; nothing in the task definition
 * holds a value); the database through RDS Proxy with an IAM token per connection (the task
 * role's `rds-db:connect`; no database password reaches the task), Redis with its AUTH token
 * (REDIS_PASSWORD), signing keys in the database (encrypted under the key-encryption key), events
 * to the EventBridge bus (`events:PutEvents`, the API's task role only). Migrations are
 * a task definition of their own, run once per release by the deploy workflow before the service
 * takes the new image (`aws ecs run-task`); the service never migrates on start. The first
 * deployment (`-c firstDeployment=true`) creates the service with no task: production refuses to
 * start on an empty schema or without an operator-made signing key, so both are made first, as
 * one-off tasks of the Migrate definition (docs/deploy-aws.md).
 */
export class MonolithStack extends Stack {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly migration: ecs.FargateTaskDefinition;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ContainerStackProps) {
    super(scope, id, props);
    const { config, vpc, data, secrets, events } = props;
    const prod = config.environment === 'prod';

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const logGroup = (this.logGroup = computeLogGroup(this, 'Logs', config));
    const image = ecs.ContainerImage.fromEcrRepository(props.repository, config.imageTag);
    const environment: Record<string, string> = {
      NODE_ENV: 'production',
      PORT: String(PORT),
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      DATABASE_URL: data.databaseUrl(),
      DATABASE_IAM_AUTH: 'true',
      DB_MIGRATE_ON_START: 'false',
      REDIS_URL: data.redisUrl,
      JWT_ISSUER: config.issuer,
      JWT_AUDIENCE: config.audience,
      APP_BASE_URL: config.appBaseUrl,
      CORS_ORIGINS: config.corsOrigins.join(','),
      KEYS_STORE: 'database',
      EVENTBRIDGE_BUS_NAME: events.bus.eventBusName,
      // The load balancer's address is the client's: it appends the client's to X-Forwarded-For.
      TRUST_PROXY: vpc.vpcCidrBlock,
    };
    const containerSecrets: Record<string, ecs.Secret> = {
      REDIS_PASSWORD: ecs.Secret.fromSecretsManager(data.redisAuthToken, 'REDIS_PASSWORD'),
      REFRESH_TOKEN_PEPPER: ecs.Secret.fromSecretsManager(secrets.refreshTokenPepper, 'REFRESH_TOKEN_PEPPER'),
      KEY_ENCRYPTION_KEY: ecs.Secret.fromSecretsManager(secrets.keyEncryptionKey, 'KEY_ENCRYPTION_KEY'),
      SMTP_URL: ecs.Secret.fromSecretsManager(secrets.smtpUrl, 'SMTP_URL'),
    };
    const taskDefinition = (name: string, command?: string[]) => {
      const definition = new ecs.FargateTaskDefinition(this, name, {
        cpu: prod ? 1024 : 512,
        memoryLimitMiB: prod ? 2048 : 1024,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64 },
      });
      definition.addContainer('latchkey', {
        image,
        command,
        environment,
        secrets: containerSecrets,
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name.toLowerCase() }),
        portMappings: command ? [] : [{ containerPort: PORT }],
        readonlyRootFilesystem: false,
        stopTimeout: Duration.seconds(30),
      });
      // The task role: connect to the database through the proxy as `latchkey` (an IAM token).
      data.grantConnect(definition.taskRole);
      return definition;
    };

    const tasks = new ec2.SecurityGroup(this, 'Tasks', {
      vpc,
      description: 'Latchkey tasks: from the load balancer; to the database proxy, Redis, AWS and SMTP',
    });
    data.allowClient(this, 'Tasks', tasks);
    const api = taskDefinition('Api');
    // The API relays its outbox to the bus (the migration publishes nothing).
    events.grantPublish(api.taskRole);
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: api,
      desiredCount: config.firstDeployment ? 0 : prod ? 2 : 1,
      vpcSubnets: { subnetGroupName: SUBNETS.compute },
      securityGroups: [tasks],
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
    });
    const { loadBalancer, target } = publicHttpsEntry(this, {
      vpc,
      config,
      service: this.service,
      port: PORT,
      targetId: 'Api',
    });
    this.loadBalancer = loadBalancer;
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: config.firstDeployment ? 0 : prod ? 2 : 1,
      maxCapacity: config.firstDeployment ? 0 : prod ? 10 : 2,
    });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
    scaling.scaleOnRequestCount('Requests', { requestsPerTarget: 1000, targetGroup: target });

    this.migration = taskDefinition('Migrate', ['node', 'apps/api/dist/cli/migrate.js']);
  }
}
