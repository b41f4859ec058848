/**
 * What the stacks must never do, as checks over synthesized CloudFormation: each returns the
 * problems it finds (empty when the templates hold), so a test can show a check failing on a
 * stack broken on purpose as well as passing on the real ones.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  DeletionPolicy?: string;
}
export interface Template {
  Resources?: Record<string, Resource>;
}

const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type === type);

/** Ingress from anywhere (0.0.0.0/0, ::/0) to anything but HTTPS on 443. */
export function worldOpenIngress(template: Template): string[] {
  const rules: [string, Record<string, Json>][] = [];
  for (const [id, group] of resourcesOf(template, 'AWS::EC2::SecurityGroup'))
    for (const rule of (group.Properties?.SecurityGroupIngress as Record<string, Json>[] | undefined) ?? [])
      rules.push([id, rule]);
  for (const [id, rule] of resourcesOf(template, 'AWS::EC2::SecurityGroupIngress'))
    rules.push([id, rule.Properties ?? {}]);
  return rules
    .filter(([, rule]) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0')
    .filter(([, rule]) => !(rule.IpProtocol === 'tcp' && rule.FromPort === 443 && rule.ToPort === 443))
    .map(
      ([id, rule]) =>
        `${id}: open to the world on ${rule.IpProtocol} ${rule.FromPort ?? '*'}-${rule.ToPort ?? '*'}`,
    );
}

/** Whether a CloudFormation value names one of the isolated `data` subnets (by reference or import). */
function namesDataSubnet(value: Json): boolean {
  return /dataSubnet\d/.test(JSON.stringify(value));
}

/**
 * The database, its proxy, Redis and the services' broker: encrypted at rest and in transit, not
 * public, and placed in the isolated `data` subnets only.
 */
export function dataPlacementProblems(template: Template): string[] {
  const problems: string[] = [];
  for (const [id, cluster] of resourcesOf(template, 'AWS::RDS::DBCluster'))
    if (cluster.Properties?.StorageEncrypted !== true) problems.push(`${id}: storage not encrypted`);
  for (const [id, group] of [
    ...resourcesOf(template, 'AWS::RDS::DBSubnetGroup'),
    ...resourcesOf(template, 'AWS::ElastiCache::SubnetGroup'),
  ]) {
    const subnets = (group.Properties?.SubnetIds as Json[] | undefined) ?? [];
    if (subnets.length === 0 || !subnets.every(namesDataSubnet))
      problems.push(`${id}: not only in the data subnets`);
  }
  for (const [id, proxy] of resourcesOf(template, 'AWS::RDS::DBProxy')) {
    if (proxy.Properties?.RequireTLS !== true) problems.push(`${id}: TLS not required`);
    const subnets = (proxy.Properties?.VpcSubnetIds as Json[] | undefined) ?? [];
    if (subnets.length === 0 || !subnets.every(namesDataSubnet))
      problems.push(`${id}: not only in the data subnets`);
  }
  for (const [id, broker] of resourcesOf(template, 'AWS::AmazonMQ::Broker')) {
    if (broker.Properties?.PubliclyAccessible !== false) problems.push(`${id}: publicly accessible`);
    const subnets = (broker.Properties?.SubnetIds as Json[] | undefined) ?? [];
    if (subnets.length === 0 || !subnets.every(namesDataSubnet))
      problems.push(`${id}: not only in the data subnets`);
  }
  for (const [id, redis] of resourcesOf(template, 'AWS::ElastiCache::ReplicationGroup')) {
    if (redis.Properties?.TransitEncryptionEnabled !== true) problems.push(`${id}: no encryption in transit`);
    if (redis.Properties?.AtRestEncryptionEnabled !== true) problems.push(`${id}: no encryption at rest`);
  }
  return problems;
}

const SECRET_PROPERTIES = ['MasterUserPassword', 'AuthToken', 'Password', 'SecretString'];
/** Variables that hold secrets (packages/platform, SECRET_VARIABLES, and the database password). */
const SECRET_VARIABLES = ['REFRESH_TOKEN_PEPPER', 'KEY_ENCRYPTION_KEY', 'INTERNAL_AUTH_KEYS', 'PGPASSWORD'];

/**
 * No secret as a value: every property that holds one is a `{{resolve:secretsmanager:…}}`
 * reference or a generated secret, and no environment block (a task's, a function's) carries a
 * variable named like a secret. `allowed` lists literal values known not to be secret.
 */
export function secretValueProblems(template: Template, allowed: readonly string[] = []): string[] {
  const problems: string[] = [];
  const walk = (value: Json, where: string): void => {
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${where}[${index}]`));
    else if (value !== null && typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) {
        if (SECRET_PROPERTIES.includes(key)) {
          const text = JSON.stringify(inner);
          if (
            !text.includes('{{resolve:secretsmanager:') &&
            !(typeof inner === 'string' && allowed.includes(inner))
          )
            problems.push(`${where}.${key}: a value, not a Secrets Manager reference`);
        }
        // An ECS container's Environment [{Name, Value}], a function's Environment.Variables {NAME: value}.
        const variables =
          key === 'Environment' && Array.isArray(inner)
            ? inner.map((entry) => (entry as { Name?: string }).Name ?? '')
            : key === 'Variables' && inner !== null && typeof inner === 'object' && !Array.isArray(inner)
              ? Object.keys(inner)
              : [];
        for (const name of variables.filter((variable) => SECRET_VARIABLES.includes(variable)))
          problems.push(`${where}.${key}: ${name} as a plain variable`);
        walk(inner, `${where}.${key}`);
      }
  };
  for (const [id, resource] of Object.entries(template.Resources ?? {}))
    walk(resource as unknown as Json, id);
  return problems;
}

/** What production must keep: deletion protection, backups, and a snapshot when deleted anyway. */
export function productionDurabilityProblems(template: Template): string[] {
  const problems: string[] = [];
  for (const [id, cluster] of resourcesOf(template, 'AWS::RDS::DBCluster')) {
    if (cluster.Properties?.DeletionProtection !== true) problems.push(`${id}: no deletion protection`);
    if (
      typeof cluster.Properties?.BackupRetentionPeriod !== 'number' ||
      cluster.Properties.BackupRetentionPeriod < 7
    )
      problems.push(`${id}: backups kept under 7 days`);
    if (cluster.DeletionPolicy !== 'Snapshot') problems.push(`${id}: no snapshot on deletion`);
  }
  for (const [id, redis] of resourcesOf(template, 'AWS::ElastiCache::ReplicationGroup')) {
    if (redis.Properties?.AutomaticFailoverEnabled !== true) problems.push(`${id}: no automatic failover`);
    if (
      typeof redis.Properties?.SnapshotRetentionLimit !== 'number' ||
      redis.Properties.SnapshotRetentionLimit < 1
    )
      problems.push(`${id}: no snapshots`);
  }
  return problems;
}

/** Each IAM role's allowed actions, sorted: what a test compares with the list it expects. */
export function roleActions(template: Template): Record<string, string[]> {
  const byRole: Record<string, Set<string>> = {};
  for (const [id] of resourcesOf(template, 'AWS::IAM::Role')) byRole[id] = new Set();
  for (const [, policy] of resourcesOf(template, 'AWS::IAM::Policy')) {
    const roles = ((policy.Properties?.Roles as { Ref?: string }[] | undefined) ?? []).map(
      (role) => role.Ref,
    );
    const statements = ((policy.Properties?.PolicyDocument as { Statement?: Json[] } | undefined)
      ?.Statement ?? []) as { Effect: string; Action: string | string[] }[];
    for (const role of roles)
      for (const statement of statements)
        if (statement.Effect === 'Allow')
          for (const action of [statement.Action].flat()) (byRole[role!] ??= new Set()).add(action);
  }
  return Object.fromEntries(Object.entries(byRole).map(([role, actions]) => [role, [...actions].sort()]));
}

/**
 * API Gateway's JWT authorizers against the API they guard: each must pin the issuer and the
 * audience the http function verifies with (its JWT_ISSUER and JWT_AUDIENCE), or the edge would
 * let through tokens the API refuses (or refuse the ones it issues).
 */
export function jwtAuthorizerProblems(template: Template): string[] {
  const functions = resourcesOf(template, 'AWS::Lambda::Function').map(
    ([, fn]) =>
      (fn.Properties?.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {},
  );
  const issuers = new Set(functions.map((variables) => variables.JWT_ISSUER));
  const audiences = new Set(functions.map((variables) => variables.JWT_AUDIENCE));
  const problems: string[] = [];
  for (const [id, authorizer] of resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer')) {
    if (authorizer.Properties?.AuthorizerType !== 'JWT') continue;
    const jwt = authorizer.Properties.JwtConfiguration as { Issuer?: Json; Audience?: Json[] } | undefined;
    if (issuers.size !== 1 || !issuers.has(jwt?.Issuer as string))
      problems.push(`${id}: issuer ${JSON.stringify(jwt?.Issuer)} is not the API's JWT_ISSUER`);
    if (audiences.size !== 1 || JSON.stringify(jwt?.Audience) !== JSON.stringify([...audiences]))
      problems.push(`${id}: audience ${JSON.stringify(jwt?.Audience)} is not the API's JWT_AUDIENCE`);
  }
  return problems;
}
