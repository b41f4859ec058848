import { existsSync } from 'node:fs';
import path from 'node:path';
import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import { computeLogGroup, type ComputeStackProps } from './compute-props';
import { SUBNETS } from './network-stack';
import { bearerOnlyRoutes } from './openapi-routes';
import { repositoryRoot } from './repository-paths';

/** The tag `pnpm keys add` and the rotation put on the KMS keys they make (KEYS_CUSTODY=kms). */
export const KMS_KEY_TAG = { key: 'latchkey:purpose', value: 'access-token-signing' } as const;

/**
 * The functions' runtime: the Node.js the bundle is made with (the toolchain's, Node 20), since
 * V8 takes the bundle's code cache only from the version that made it (decision 0014). AWS
 * deprecated nodejs20.x on 2026-04-30 and stops creating functions on it on 2027-07-29: the
 * toolchain and this runtime move to Node 22 or 24 together, before then.
 */
export const RUNTIME = lambda.Runtime.NODEJS_20_X;

/** The functions `pnpm serverless:bundle` makes, each a directory with `index.mjs` (index.handler). */
export const FUNCTIONS = ['http', 'scheduled', 'migrate'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

/**
 * What EventBridge Scheduler runs (decision 0014: a frozen environment keeps no timer), with the
 * monolith's cadence: the clean-up (CLEANUP_INTERVAL's default), a step of the key rotation (it
 * acts only when KEY_ROTATION_INTERVAL is due) and a pass of the relays (retries that fell due
 * while no request came).
 */
export const SCHEDULES = [
  { id: 'Cleanup', task: 'cleanup', every: Duration.minutes(10) },
  { id: 'KeyRotation', task: 'rotate-signing-keys', every: Duration.hours(1) },
  { id: 'Relay', task: 'relay', every: Duration.minutes(1) },
] as const;

/** The CORS answer the API gives (platform-http's http-pipeline.ts), for API Gateway's preflights. */
const CORS = {
  allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'x-token-transport'],
  exposeHeaders: ['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
  allowMethods: [
    apigwv2.CorsHttpMethod.GET,
    apigwv2.CorsHttpMethod.POST,
    apigwv2.CorsHttpMethod.PUT,
    apigwv2.CorsHttpMethod.PATCH,
    apigwv2.CorsHttpMethod.DELETE,
  ],
  maxAge: Duration.seconds(600),
};

/**
 * The serverless deployment (decision 0014): the three functions `pnpm serverless:bundle` makes
 * (http, scheduled, migrate; Node.js 20, the bundle's runtime) in the compute subnets, reaching
 * Aurora through RDS Proxy with an IAM token (DATABASE_IAM_AUTH) and Redis with its token; an
 * API Gateway HTTP API in front of the http function, on the issuer's own domain when a
 * certificate is given, with CORS from `corsOrigins` (API Gateway answers the preflights and adds
 * the headers, also to its own refusals) and, unless `edgeAuthorizer=false`, a JWT authorizer
 * configured from the issuer's discovery document in front of every operation the contract lets
 * only a bearer token call. The secrets come from Secrets Manager at init (SERVER_SECRETS_ID: the
 * pepper, Redis's token, SMTP_URL); the signing keys from the key-set secret, made in KMS by
 * default (KEYS_CUSTODY=kms: the functions sign with keys tagged for it, and only the scheduled one
 * may make or retire them); events to the bus. Reserved concurrency caps the http function (each
 * environment holds up to two connections), one each for the scheduled and migrate functions.
 */
export class ServerlessStack extends Stack {
  readonly api: apigwv2.HttpApi;
  readonly functions: Record<FunctionName, lambda.Function>;
  readonly logGroups: logs.LogGroup[] = [];
  readonly authorizer: HttpJwtAuthorizer | undefined;

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, props);
    const { config, vpc, data, secrets, events } = props;
    const bundles = config.lambdaBundleDir ?? path.join(repositoryRoot(), 'apps', 'serverless', 'bundle');
    for (const name of FUNCTIONS)
      if (!existsSync(path.join(bundles, name, 'index.mjs')))
        throw new Error(
          `the serverless deployment needs the functions' bundles: ${path.join(bundles, name, 'index.mjs')} is missing (run \`pnpm build && pnpm serverless:bundle\`, or name another directory with -c lambdaBundleDir=…)`,
        );

    const group = new ec2.SecurityGroup(this, 'Functions', {
      vpc,
      description: 'Latchkey functions: to the database proxy, Redis, AWS and SMTP',
    });
    data.allowClient(this, 'Functions', group);

    const environment: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: data.databaseUrl(),
      DATABASE_IAM_AUTH: 'true',
      REDIS_URL: data.redisUrl,
      // Secret values are read at init, never set here: the pepper, Redis's token, SMTP_URL.
      SERVER_SECRETS_ID: [secrets.refreshTokenPepper, data.redisAuthToken, secrets.smtpUrl]
        .map((secret) => secret.secretArn)
        .join(','),
      JWT_ISSUER: config.issuer,
      JWT_AUDIENCE: config.audience,
      APP_BASE_URL: config.appBaseUrl,
      CORS_ORIGINS: config.corsOrigins.join(','),
      KEYS_STORE: 'secrets-manager',
      KEYS_SECRET_ID: secrets.signingKeySet.secretArn,
      KEYS_CUSTODY: config.keysCustody,
      KEY_ROTATION_INTERVAL: '30d',
      EVENTBRIDGE_BUS_NAME: events.bus.eventBusName,
    };

    const make = (
      name: FunctionName,
      options: { memory: number; timeout: Duration; concurrency: number },
    ) => {
      const logGroup = computeLogGroup(this, `${name}Logs`, config);
      this.logGroups.push(logGroup);
      const fn = new lambda.Function(this, name[0]!.toUpperCase() + name.slice(1), {
        runtime: RUNTIME,
        architecture: lambda.Architecture.X86_64,
        handler: 'index.handler',
        code: lambda.Code.fromAsset(path.join(bundles, name)),
        memorySize: options.memory,
        timeout: options.timeout,
        reservedConcurrentExecutions: options.concurrency,
        vpc,
        vpcSubnets: { subnetGroupName: SUBNETS.compute },
        securityGroups: [group],
        environment,
        logGroup,
      });
      Validations.of(fn).acknowledge({
        id: 'CloudFormation-Validate::W2531',
        reason: "nodejs20.x is the bundle's own Node.js (RUNTIME); creation ends 2027-07-29",
      });
      // Each reads the server secrets at init and connects as `latchkey` through the proxy.
      for (const secret of [secrets.refreshTokenPepper, data.redisAuthToken, secrets.smtpUrl])
        secret.grantRead(fn);
      data.grantConnect(fn);
      return fn;
    };
    const http = make('http', {
      memory: 1024,
      timeout: Duration.seconds(15),
      concurrency: config.reservedConcurrency,
    });
    const scheduled = make('scheduled', { memory: 1024, timeout: Duration.minutes(5), concurrency: 1 });
    const migrate = make('migrate', { memory: 512, timeout: Duration.minutes(5), concurrency: 1 });
    this.functions = { http, scheduled, migrate };

    // The key set: read by what signs and verifies; written only by the scheduled rotation (an
    // operator's `pnpm keys` runs with the operator's own credentials).
    for (const fn of [http, scheduled]) {
      secrets.signingKeySet.grantRead(fn);
      events.grantPublish(fn);
    }
    scheduled.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: [secrets.signingKeySet.secretArn],
      }),
    );
    if (config.keysCustody === 'kms') {
      const taggedKeys = {
        resources: [Stack.of(this).formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
        conditions: { StringEquals: { [`aws:ResourceTag/${KMS_KEY_TAG.key}`]: KMS_KEY_TAG.value } },
      };
      for (const fn of [http, scheduled])
        fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['kms:GetPublicKey', 'kms:Sign'], ...taggedKeys }),
        );
      // The rotation makes a key only with the tag (so that it may use it) and retires only tagged ones.
      scheduled.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:CreateKey', 'kms:TagResource'],
          resources: ['*'],
          conditions: { StringEquals: { [`aws:RequestTag/${KMS_KEY_TAG.key}`]: KMS_KEY_TAG.value } },
        }),
      );
      scheduled.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['kms:ScheduleKeyDeletion'], ...taggedKeys }),
      );
    }

    for (const { id: scheduleId, task, every } of SCHEDULES)
      new scheduler.Schedule(this, scheduleId, {
        description: `Latchkey's ${task} task`,
        schedule: scheduler.ScheduleExpression.rate(every),
        target: new schedulerTargets.LambdaInvoke(scheduled, {
          input: scheduler.ScheduleTargetInput.fromObject({ task }),
          retryAttempts: 2,
          maxEventAge: Duration.minutes(5),
          deadLetterQueue: events.deadLetters,
        }),
      });

    // One invoke permission for the API, not one per route (the function's policy has a size limit).
    const integration = new HttpLambdaIntegration('Http', http, { scopePermissionToRoute: false });
    const issuer = new URL(config.issuer);
    const domain =
      config.certificateArn === undefined
        ? undefined
        : new apigwv2.DomainName(this, 'Domain', {
            domainName: issuer.host,
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', config.certificateArn),
          });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `${config.prefix.toLowerCase()}-api`,
      description: 'Latchkey: the identity API (the http function)',
      defaultIntegration: integration,
      corsPreflight:
        config.corsOrigins.length === 0
          ? undefined
          : { ...CORS, allowOrigins: config.corsOrigins, allowCredentials: true },
      // On its own domain the API has one address: the issuer's.
      ...(domain ? { defaultDomainMapping: { domainName: domain }, disableExecuteApiEndpoint: true } : {}),
    });
    if (config.edgeAuthorizer) {
      // API Gateway reads `${issuer}/.well-known/openid-configuration`, then its jwks_uri, and
      // checks the signature, exp, nbf, iss and aud before the function is invoked.
      this.authorizer = new HttpJwtAuthorizer('AccessToken', config.issuer, {
        authorizerName: 'latchkey-access-token',
        jwtAudience: [config.audience],
        identitySource: ['$request.header.Authorization'],
      });
      for (const route of bearerOnlyRoutes(path.join(repositoryRoot(), 'docs', 'openapi.yaml')))
        this.api.addRoutes({
          path: route.path,
          methods: [apigwv2.HttpMethod[route.method]],
          integration,
          authorizer: this.authorizer,
        });
    }

    new CfnOutput(this, 'ApiUrl', { value: domain ? config.issuer : this.api.apiEndpoint });
    if (domain)
      new CfnOutput(this, 'DomainTarget', {
        description: "The issuer's DNS name points here (a CNAME or an alias record)",
        value: domain.regionalDomainName,
      });
    new CfnOutput(this, 'MigrateFunction', { value: migrate.functionName });
  }
}
