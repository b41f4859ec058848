import { RemovalPolicy, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { InfraConfig } from './config';
import type { DataStack } from './data-stack';
import type { EventsStack } from './events-stack';
import type { SecretsStack } from './secrets-stack';

/** What every deployment's compute stack stands on: the network, the data, the secrets, the events. */
export type ComputeStackProps = StackProps & {
  config: InfraConfig;
  vpc: ec2.IVpc;
  data: DataStack;
  secrets: SecretsStack;
  events: EventsStack;
};

/** A deployment that runs the image (the monolith, the services): its compute and the registry. */
export type ContainerStackProps = ComputeStackProps & { repository: ecr.IRepository };

/** A compute's log group: three months in prod, kept when the stack goes; two weeks in dev. */
export function computeLogGroup(scope: Construct, id: string, config: InfraConfig): logs.LogGroup {
  const prod = config.environment === 'prod';
  return new logs.LogGroup(scope, id, {
    retention: prod ? logs.RetentionDays.THREE_MONTHS : logs.RetentionDays.TWO_WEEKS,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
}
