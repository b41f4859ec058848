import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { InfraConfig } from './config';

/** Subnet group names, which the other stacks select by. */
export const SUBNETS = { public: 'edge', compute: 'compute', data: 'data' } as const;

/**
 * The VPC: two availability zones, each with a public subnet (the load balancer, the NAT
 * gateway), a private one with egress for compute (tasks, functions: AWS APIs and SMTP through
 * NAT) and an isolated one for data (the database, its proxy, Redis: no route to or from the
 * internet). One NAT gateway in dev, one per zone in prod.
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: StackProps & { config: InfraConfig }) {
    super(scope, id, props);
    const prod = props.config.environment === 'prod';
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: prod ? 2 : 1,
      subnetConfiguration: [
        { name: SUBNETS.public, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: SUBNETS.compute, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: SUBNETS.data, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // The default security group is used by nothing here; CDK's rule-stripping custom
      // resource (a Lambda function and its role) would be the only thing it costs.
      restrictDefaultSecurityGroup: false,
    });
    // A gateway endpoint is free, and keeps image layer pulls (ECR serves them from S3) off NAT.
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
  }
}
