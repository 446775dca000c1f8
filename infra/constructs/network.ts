import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { LumenConfig } from "../config";

export interface NetworkProps {
  readonly config: LumenConfig;
  readonly logBucket: s3.IBucket;
}

/**
 * VPC: public subnets (load balancer, NAT), private subnets with egress (app and worker tasks)
 * and isolated subnets (database, no route out). No context lookups: the AZs are either the
 * configured list or the region's first `maxAzs`, resolved by CloudFormation at deploy time.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const c = props.config;
    this.vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr("10.40.0.0/16"),
      ...(c.availabilityZones ? { availabilityZones: c.availabilityZones } : { maxAzs: c.maxAzs }),
      natGateways: c.natGateways,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "private", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: "database", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 26 },
      ],
      // S3 traffic (multi-GB uploads read by the worker) stays off the NAT gateway: free and faster.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    this.vpc.addFlowLog("FlowLog", {
      destination: ec2.FlowLogDestination.toS3(props.logBucket, "vpc-flow-logs/"),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
  }
}
