import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Construct } from 'constructs';
import type { InfraConfig } from './config';
import { SUBNETS } from './network-stack';

/**
 * The public entry of the ECS deployments (the monolith's API, the services' gateway): an
 * internet-facing Application Load Balancer in the public subnets that listens on HTTPS only
 * (443, the context's certificate, AWS's recommended TLS policy; no port 80), drops invalid
 * header fields, and forwards to `service` on `port`, health-checked on `/health/ready`. Its
 * security group is the only one open to the world, and only on 443.
 */
export function publicHttpsEntry(
  scope: Construct,
  options: {
    vpc: ec2.IVpc;
    config: InfraConfig;
    service: ecs.FargateService;
    port: number;
    targetId: string;
  },
): { loadBalancer: elbv2.ApplicationLoadBalancer; target: elbv2.ApplicationTargetGroup } {
  const { vpc, config } = options;
  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'LoadBalancer', {
    vpc,
    internetFacing: true,
    vpcSubnets: { subnetGroupName: SUBNETS.public },
    dropInvalidHeaderFields: true,
    deletionProtection: config.environment === 'prod',
  });
  const listener = loadBalancer.addListener('Https', {
    port: 443,
    protocol: elbv2.ApplicationProtocol.HTTPS,
    sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    certificates: [elbv2.ListenerCertificate.fromArn(config.certificateArn!)],
    open: true,
  });
  const target = listener.addTargets(options.targetId, {
    port: options.port,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targets: [options.service],
    healthCheck: {
      path: '/health/ready',
      healthyHttpCodes: '200',
      interval: Duration.seconds(15),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
    },
    deregistrationDelay: Duration.seconds(30),
  });
  return { loadBalancer, target };
}
