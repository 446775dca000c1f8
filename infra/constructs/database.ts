import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import * as rds from "aws-cdk-lib/aws-rds";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { LumenConfig } from "../config";

export interface DatabaseProps {
  readonly config: LumenConfig;
  readonly vpc: ec2.IVpc;
}

export const DATABASE_NAME = "lumen";
const DATABASE_PORT = 5432;

/**
 * PostgreSQL on RDS (docs/decisions/041-database-rds-postgresql.md) in the isolated subnets,
 * encrypted, with automated backups and a generated master secret (username/password injected
 * into the containers by ECS). Only security groups given to `allowFrom` may connect.
 */
export class Database extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly secret: secretsmanager.ISecret;
  readonly port = String(DATABASE_PORT);
  readonly name = DATABASE_NAME;
  private readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const c = props.config;
    const identifier = `${c.stackName.toLowerCase()}-postgres`;
    this.securityGroup = new ec2.SecurityGroup(this, "SecurityGroup", {
      vpc: props.vpc,
      description: "PostgreSQL: reachable from the app and worker tasks only",
      allowAllOutbound: false,
    });
    this.instance = new rds.DatabaseInstance(this, "Instance", {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType: new ec2.InstanceType(c.dbInstanceType),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.securityGroup],
      port: DATABASE_PORT,
      publiclyAccessible: false,
      databaseName: DATABASE_NAME,
      credentials: rds.Credentials.fromGeneratedSecret("lumen_admin"),
      storageEncrypted: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: c.dbAllocatedStorageGiB,
      maxAllocatedStorage: c.dbMaxAllocatedStorageGiB,
      multiAz: c.dbMultiAz,
      backupRetention: Duration.days(c.dbBackupRetentionDays),
      deletionProtection: c.deletionProtection,
      // Deleting the stack leaves a final snapshot, whatever deletion protection says.
      removalPolicy: RemovalPolicy.SNAPSHOT,
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      instanceIdentifier: identifier,
      cloudwatchLogsExports: ["postgresql"],
    });
    // The exported log group, created here with a retention (RDS would create it without one).
    const logGroup = new logs.LogGroup(this, "PostgresLog", {
      logGroupName: `/aws/rds/instance/${identifier}/postgresql`,
      retention: c.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.instance.node.addDependency(logGroup);
    this.secret = this.instance.secret!;
  }

  get host(): string {
    return this.instance.dbInstanceEndpointAddress;
  }

  /** Lets a task's security group connect (and nothing else). */
  allowFrom(peer: ec2.ISecurityGroup, description: string): void {
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(DATABASE_PORT), description);
  }
}
