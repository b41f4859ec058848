import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { InfraConfig } from './config';
import { SUBNETS } from './network-stack';

/**
 * The state: Aurora PostgreSQL Serverless v2 behind RDS Proxy (the same schema and migrations as
 * anywhere), and ElastiCache for Redis (rate limits and the login lockout, shared by every
 * instance or execution environment). Both in the isolated subnets, encrypted at rest and in
 * transit; the database reachable only through its proxy, and the proxy and Redis only from the
 * compute that `allowClient` names (a rule made in the compute's own stack, so that the data does
 * not depend on what uses it). Passwords and Redis's auth token are generated into Secrets Manager and
 * reach CloudFormation as dynamic references, never as values.
 */
export class DataStack extends Stack {
  readonly proxyGroup: ec2.SecurityGroup;
  readonly redisGroup: ec2.SecurityGroup;
  readonly cluster: rds.DatabaseCluster;
  readonly proxy: rds.DatabaseProxy;
  readonly redis: elasticache.CfnReplicationGroup;
  readonly redisAuthToken: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: StackProps & { config: InfraConfig; vpc: ec2.IVpc }) {
    super(scope, id, props);
    const { vpc, config } = props;
    const prod = config.environment === 'prod';
    const dataSubnets: ec2.SubnetSelection = { subnetGroupName: SUBNETS.data };

    const proxyGroup = new ec2.SecurityGroup(this, 'ProxyGroup', {
      vpc,
      description: 'RDS Proxy: from Latchkey compute, to the cluster',
      allowAllOutbound: false,
    });
    const databaseGroup = new ec2.SecurityGroup(this, 'DatabaseGroup', {
      vpc,
      description: 'Aurora: from the proxy only',
      allowAllOutbound: false,
    });
    // The proxy to the cluster (ingress on one, egress on the other) is added by addProxy below.
    this.proxyGroup = proxyGroup;

    this.cluster = new rds.DatabaseCluster(this, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      writer: rds.ClusterInstance.serverlessV2('writer'),
      // A reader in another zone to fail over to, in prod.
      readers: prod ? [rds.ClusterInstance.serverlessV2('reader', { scaleWithWriter: true })] : [],
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: prod ? 16 : 2,
      vpc,
      vpcSubnets: dataSubnets,
      securityGroups: [databaseGroup],
      credentials: rds.Credentials.fromGeneratedSecret(DataStack.USER, {
        secretName: `${config.prefix.toLowerCase()}/database`,
      }),
      defaultDatabaseName: 'latchkey',
      storageEncrypted: true,
      deletionProtection: prod,
      backup: { retention: Duration.days(prod ? 14 : 1), preferredWindow: '03:00-04:00' },
      removalPolicy: prod ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      iamAuthentication: true,
      cloudwatchLogsExports: ['postgresql'],
    });
    this.proxy = this.cluster.addProxy('Proxy', {
      secrets: [this.cluster.secret!],
      vpc,
      vpcSubnets: dataSubnets,
      securityGroups: [proxyGroup],
      requireTLS: true,
      // Required: every client connects with an IAM token (rds-db:connect, DATABASE_IAM_AUTH);
      // the proxy alone reads the password, from the cluster's secret.
      iamAuth: true,
    });

    this.redisAuthToken = new secretsmanager.Secret(this, 'RedisAuthToken', {
      secretName: `${config.prefix.toLowerCase()}/redis-auth-token`,
      description: "REDIS_PASSWORD: ElastiCache's AUTH token for Latchkey's Redis",
      // ElastiCache accepts printable ASCII but / " @ in a token: none of them is generated. A
      // JSON object {REDIS_PASSWORD: token}, as SERVER_SECRETS_ID reads it (the functions).
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'REDIS_PASSWORD',
        passwordLength: 64,
        excludePunctuation: true,
      },
    });
    const redisGroup = new ec2.SecurityGroup(this, 'RedisGroup', {
      vpc,
      description: 'Redis: from Latchkey compute only',
      allowAllOutbound: false,
    });
    this.redisGroup = redisGroup;
    const redisSubnets = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'Latchkey Redis: the isolated data subnets',
      subnetIds: vpc.selectSubnets(dataSubnets).subnetIds,
    });
    this.redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: 'Latchkey: rate limits and the login lockout',
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: prod ? 'cache.t4g.small' : 'cache.t4g.micro',
      numCacheClusters: prod ? 2 : 1,
      automaticFailoverEnabled: prod,
      multiAzEnabled: prod,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      // A {{resolve:secretsmanager:…}} reference: CloudFormation reads it at deployment.
      authToken: this.redisAuthToken.secretValueFromJson('REDIS_PASSWORD').unsafeUnwrap(),
      cacheSubnetGroupName: redisSubnets.ref,
      securityGroupIds: [redisGroup.securityGroupId],
      snapshotRetentionLimit: prod ? 7 : 0,
    });
    this.redis.applyRemovalPolicy(prod ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY);
  }

  /** The user every compute connects as, with an RDS IAM token (DATABASE_IAM_AUTH). */
  static readonly USER = 'latchkey';

  /**
   * DATABASE_URL for compute: RDS Proxy's endpoint, the user and no password (each connection's
   * password is an IAM token: DATABASE_IAM_AUTH=true), TLS verified (the proxy's certificate is
   * Amazon's, in Node's own CA store).
   */
  databaseUrl(database = 'latchkey'): string {
    return `postgres://${DataStack.USER}@${this.proxy.endpoint}:5432/${database}?sslmode=verify-full`;
  }

  /** REDIS_URL for compute: the replication group's primary endpoint, TLS (its token is a secret). */
  get redisUrl(): string {
    return `rediss://${this.redis.attrPrimaryEndPointAddress}:${this.redis.attrPrimaryEndPointPort}`;
  }

  /** `rds-db:connect` through the proxy as the compute's user, for a task's or function's role. */
  grantConnect(grantee: iam.IGrantable): void {
    this.proxy.grantConnect(grantee, DataStack.USER);
  }

  /**
   * Lets `client` (a compute stack's security group) reach the proxy and Redis: the two rules are
   * made in `scope`, the compute's stack, which depends on this one and not the other way round.
   */
  allowClient(
    scope: Construct,
    id: string,
    client: ec2.ISecurityGroup,
    /** `false` for compute that opens no database (the gateway): Redis only. */
    { database = true }: { database?: boolean } = {},
  ): void {
    const targets = [
      ['Proxy', this.proxyGroup, 5432],
      ['Redis', this.redisGroup, 6379],
    ] as const;
    for (const [name, group, port] of targets.filter(([name]) => database || name === 'Redis')) {
      new ec2.CfnSecurityGroupIngress(scope, `${id}To${name}`, {
        groupId: group.securityGroupId,
        sourceSecurityGroupId: client.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        description: `${id}: Latchkey compute`,
      });
    }
  }
}
