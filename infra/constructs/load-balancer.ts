import { Duration } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { LumenConfig } from "../config";

export interface AppLoadBalancerProps {
  readonly config: LumenConfig;
  readonly vpc: ec2.IVpc;
  readonly logBucket: s3.IBucket;
}

/**
 * The app's public entry: an internet-facing ALB. With an app domain and certificate it serves
 * HTTPS (TLS 1.2+) and redirects HTTP to HTTPS; without one it serves plain HTTP on its own DNS
 * name, for a first try only (session cookies are not `Secure`, signed cookies cannot be shared).
 */
export class AppLoadBalancer extends Construct {
  readonly alb: elbv2.ApplicationLoadBalancer;
  /** The listener the app's target group is attached to. */
  readonly listener: elbv2.ApplicationListener;
  /** scheme://host of the app, no trailing slash (NEXTAUTH_URL, CORS origins). */
  readonly appUrl: string;

  constructor(scope: Construct, id: string, props: AppLoadBalancerProps) {
    super(scope, id);
    const c = props.config;
    const securityGroup = new ec2.SecurityGroup(this, "SecurityGroup", {
      vpc: props.vpc,
      description: "Load balancer: HTTP and HTTPS from the internet",
      allowAllOutbound: false,
    });
    securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), "HTTP (redirected to HTTPS when a certificate is configured)");
    this.alb = new elbv2.ApplicationLoadBalancer(this, "Alb", {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      internetFacing: true,
      securityGroup,
      // A fixed lower-case name gives a lower-case DNS name: browsers send Origin in lower case
      // and the CORS rules compare it literally.
      loadBalancerName: `${c.stackName.toLowerCase().slice(0, 28)}-app`,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(60),
    });
    this.alb.logAccessLogs(props.logBucket, "alb");

    if (c.appDomain && c.appCertificateArn) {
      securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "HTTPS");
      this.listener = this.alb.addListener("Https", {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(c.appCertificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
      });
      this.alb.addListener("HttpRedirect", {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: "HTTPS", port: "443", permanent: true }),
      });
      this.appUrl = `https://${c.appDomain}`;
    } else {
      this.listener = this.alb.addListener("Http", { port: 80, protocol: elbv2.ApplicationProtocol.HTTP, open: false });
      this.appUrl = `http://${this.alb.loadBalancerDnsName}`;
    }
  }
}
