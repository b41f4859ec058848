import type { StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
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
