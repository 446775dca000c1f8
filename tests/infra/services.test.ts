import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { APP_CERT, generateKey, logicalIdOf, resourcesOf, synth, type Synthesised, WITH_DOMAINS } from "./support";

type Container = Record<string, unknown> & {
  Name: string;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
};

let prod: Synthesised;
let plain: Synthesised;

beforeAll(() => {
  prod = synth(
    { ...WITH_DOMAINS, activeKey: "cf-new", availabilityZones: "eu-west-1a,eu-west-1b,eu-west-1c", natGateways: 2, dbMultiAz: true },
    [generateKey("cf-old"), generateKey("cf-new")],
  );
  plain = synth({});
});

const containers = (s: Synthesised, family: "AppTask" | "WorkerTask"): Container[] =>
  resourcesOf(s.template, "AWS::ECS::TaskDefinition")[logicalIdOf(s.template, "AWS::ECS::TaskDefinition", `Services${family}`)].Properties
    .ContainerDefinitions as Container[];
const container = (s: Synthesised, family: "AppTask" | "WorkerTask", name: string): Container => {
  const c = containers(s, family).find((x) => x.Name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};
const env = (c: Container) => Object.fromEntries((c.Environment ?? []).map((e) => [e.Name, e.Value]));
const secrets = (c: Container) => Object.fromEntries((c.Secrets ?? []).map((e) => [e.Name, e.ValueFrom]));

describe("network", () => {
  it("has public, private (egress) and isolated subnets in two AZs resolved at deploy time (no lookups)", () => {
    const subnets = Object.values(resourcesOf(plain.template, "AWS::EC2::Subnet"));
    expect(subnets).toHaveLength(6);
    for (const sn of subnets) expect(JSON.stringify(sn.Properties.AvailabilityZone)).toMatch(/Fn::GetAZs/);
    const types = subnets.map((sn) => (sn.Properties.Tags as { Key: string; Value: string }[]).find((t) => t.Key === "aws-cdk:subnet-type")?.Value);
    expect(types.sort()).toEqual(["Isolated", "Isolated", "Private", "Private", "Public", "Public"]);
  });

  it("uses an explicit AZ list and NAT count when configured (one NAT by default)", () => {
    const azs = Object.values(resourcesOf(prod.template, "AWS::EC2::Subnet")).map((sn) => sn.Properties.AvailabilityZone);
    expect(new Set(azs)).toEqual(new Set(["eu-west-1a", "eu-west-1b", "eu-west-1c"]));
    prod.template.resourceCountIs("AWS::EC2::NatGateway", 2);
    plain.template.resourceCountIs("AWS::EC2::NatGateway", 1);
  });

  it("routes S3 traffic through a gateway endpoint and logs rejected flows", () => {
    plain.template.hasResourceProperties("AWS::EC2::VPCEndpoint", {
      ServiceName: Match.objectLike({ "Fn::Join": ["", Match.arrayWith([".s3"])] }),
      VpcEndpointType: "Gateway",
    });
    plain.template.hasResourceProperties("AWS::EC2::FlowLog", { LogDestinationType: "s3", TrafficType: "REJECT", ResourceType: "VPC" });
  });
});

describe("load balancer", () => {
  it("serves HTTPS with the app certificate and TLS 1.2+, and redirects HTTP to HTTPS", () => {
    prod.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      Protocol: "HTTPS",
      Certificates: [{ CertificateArn: APP_CERT }],
      SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    });
    prod.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 80,
      Protocol: "HTTP",
      DefaultActions: [{ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } }],
    });
    prod.template.resourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 2);
  });

  it("without a certificate serves the app over HTTP on its own lower-case DNS name", () => {
    plain.template.resourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 1);
    plain.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", { Port: 80, Protocol: "HTTP", DefaultActions: [Match.objectLike({ Type: "forward" })] });
    plain.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", { Name: "lumenacademy-app" });
  });

  it("logs requests to the access-log bucket and drops invalid headers", () => {
    const logs = logicalIdOf(prod.template, "AWS::S3::Bucket", "LogsAccessLogs");
    const alb = Object.values(resourcesOf(prod.template, "AWS::ElasticLoadBalancingV2::LoadBalancer"))[0].Properties;
    expect(alb.Scheme).toBe("internet-facing");
    expect(alb.LoadBalancerAttributes).toEqual(
      expect.arrayContaining([
        { Key: "access_logs.s3.enabled", Value: "true" },
        { Key: "access_logs.s3.bucket", Value: { Ref: logs } },
        { Key: "access_logs.s3.prefix", Value: "alb" },
        { Key: "routing.http.drop_invalid_header_fields.enabled", Value: "true" },
      ]),
    );
  });

  it("checks app health on /api/health", () => {
    prod.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      Port: 3000,
      TargetType: "ip",
      HealthCheckPath: "/api/health",
      Matcher: { HttpCode: "200" },
    });
  });
});

describe("database", () => {
  it("is PostgreSQL 17, encrypted, private, backed up, protected from deletion and snapshotted on stack deletion", () => {
    prod.template.hasResource("AWS::RDS::DBInstance", {
      Properties: Match.objectLike({
        Engine: "postgres",
        EngineVersion: "17",
        StorageEncrypted: true,
        PubliclyAccessible: false,
        BackupRetentionPeriod: 7,
        DeletionProtection: true,
        MultiAZ: true,
        DBName: "lumen",
      }),
      DeletionPolicy: "Snapshot",
    });
    plain.template.hasResourceProperties("AWS::RDS::DBInstance", { MultiAZ: false });
  });

  it("lets deletion protection be turned off by configuration", () => {
    const off = synth({ deletionProtection: "false" });
    off.template.hasResourceProperties("AWS::RDS::DBInstance", { DeletionProtection: false });
  });

  it("lives in the isolated subnets", () => {
    const group = Object.values(resourcesOf(prod.template, "AWS::RDS::DBSubnetGroup"))[0].Properties.SubnetIds as { Ref: string }[];
    for (const ref of group) expect(ref.Ref).toMatch(/^NetworkVpcdatabaseSubnet/);
  });

  it("accepts connections from the app and worker security groups only", () => {
    const dbSg = logicalIdOf(prod.template, "AWS::EC2::SecurityGroup", "DatabaseSecurityGroup");
    const ingress = Object.values(resourcesOf(prod.template, "AWS::EC2::SecurityGroupIngress"))
      .map((r) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes(dbSg));
    const sources = ingress.map((p) => (p.SourceSecurityGroupId as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]).sort();
    expect(sources).toEqual([
      logicalIdOf(prod.template, "AWS::EC2::SecurityGroup", "ServicesAppSecurityGroup"),
      logicalIdOf(prod.template, "AWS::EC2::SecurityGroup", "ServicesWorkerSecurityGroup"),
    ].sort());
    for (const p of ingress) expect(p).toMatchObject({ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432 });
    const sg = resourcesOf(prod.template, "AWS::EC2::SecurityGroup")[dbSg].Properties;
    expect(sg.SecurityGroupIngress).toBeUndefined();
  });
});

describe("container services", () => {
  it("run app and worker on Fargate in private subnets without public IPs, rolling back failed deployments", () => {
    const services = Object.values(resourcesOf(prod.template, "AWS::ECS::Service"));
    expect(services).toHaveLength(2);
    for (const svc of services) {
      expect(svc.Properties).toMatchObject({
        LaunchType: "FARGATE",
        NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: "DISABLED" } },
        DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
      });
      const subnets = (svc.Properties.NetworkConfiguration as { AwsvpcConfiguration: { Subnets: { Ref: string }[] } }).AwsvpcConfiguration.Subnets;
      for (const sn of subnets) expect(sn.Ref).toMatch(/^NetworkVpcprivateSubnet/);
    }
  });

  it("apply database migrations before the app starts (prisma migrate deploy, app waits for its success)", () => {
    expect(container(prod, "AppTask", "migrate")).toMatchObject({ Command: ["node_modules/.bin/prisma", "migrate", "deploy"], Essential: false });
    expect(container(prod, "AppTask", "app")).toMatchObject({ Essential: true, DependsOn: [{ ContainerName: "migrate", Condition: "SUCCESS" }] });
    // The load balancer's health checks wait for migrations + start-up.
    prod.template.hasResourceProperties("AWS::ECS::Service", { HealthCheckGracePeriodSeconds: 180, LoadBalancers: [Match.objectLike({ ContainerName: "app", ContainerPort: 3000 })] });
  });

  it("give the worker its health check on WORKER_HEALTH_PORT, two minutes to stop, and disk for transcodes", () => {
    const worker = container(prod, "WorkerTask", "worker");
    expect(env(worker).WORKER_HEALTH_PORT).toBe("8081");
    expect(worker).toMatchObject({ StopTimeout: 120, HealthCheck: { Command: ["CMD", "node", "-e", expect.stringContaining("http://127.0.0.1:8081/health")] } });
    prod.template.hasResourceProperties("AWS::ECS::TaskDefinition", { EphemeralStorage: { SizeInGiB: 50 }, Cpu: "2048", Memory: "4096" });
  });

  it("scale the app on CPU and requests per target, the worker on CPU", () => {
    const policies = Object.values(resourcesOf(prod.template, "AWS::ApplicationAutoScaling::ScalingPolicy")).map(
      (p) => (p.Properties.TargetTrackingScalingPolicyConfiguration as { PredefinedMetricSpecification: { PredefinedMetricType: string } }).PredefinedMetricSpecification.PredefinedMetricType,
    );
    expect(policies.sort()).toEqual(["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization", "ECSServiceAverageCPUUtilization"]);
    prod.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", { MinCapacity: 1, MaxCapacity: 4 });
    prod.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", { MinCapacity: 1, MaxCapacity: 3 });
  });

  it("log every container to CloudWatch with a retention, and enable Container Insights", () => {
    for (const family of ["AppTask", "WorkerTask"] as const) {
      for (const c of containers(prod, family)) expect(c.LogConfiguration).toMatchObject({ LogDriver: "awslogs" });
    }
    prod.template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
    prod.template.hasResourceProperties("AWS::ECS::Cluster", { ClusterSettings: [{ Name: "containerInsights", Value: "enabled" }] });
  });
});

describe("app environment", () => {
  it("maps every app variable to its stack value (domains, active key id, bucket, database)", () => {
    const media = logicalIdOf(prod.template, "AWS::S3::Bucket", "MediaBucket");
    const db = logicalIdOf(prod.template, "AWS::RDS::DBInstance", "Database");
    const activeKey = logicalIdOf(prod.template, "AWS::CloudFront::PublicKey", "CdnPublicKeycfnew");
    expect(env(container(prod, "AppTask", "app"))).toEqual({
      APP_ENV: "aws",
      NEXTAUTH_URL: "https://learn.example.com",
      TRUST_PROXY_HOPS: "1",
      MEDIA_DELIVERY: "cloudfront",
      MEDIA_BASE_URL: "https://media.example.com",
      MEDIA_COOKIE_DOMAIN: "example.com",
      MEDIA_HLS_AUTH: "cookies",
      CLOUDFRONT_KEY_PAIR_ID: { Ref: activeKey },
      CLOUDFRONT_HASH_ALGORITHM: "SHA1",
      S3_BUCKET: { Ref: media },
      S3_REGION: "eu-west-1",
      PGHOST: { "Fn::GetAtt": [db, "Endpoint.Address"] },
      PGPORT: "5432",
      PGDATABASE: "lumen",
      PGSSLMODE: "verify-full",
    });
  });

  it("without a media domain uses the distribution's domain and policy queries instead of shared cookies", () => {
    const distribution = logicalIdOf(plain.template, "AWS::CloudFront::Distribution", "CdnDistribution");
    const alb = logicalIdOf(plain.template, "AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerAlb");
    const e = env(container(plain, "AppTask", "app"));
    expect(e.MEDIA_BASE_URL).toEqual({ "Fn::Join": ["", ["https://", { "Fn::GetAtt": [distribution, "DomainName"] }]] });
    expect(e.NEXTAUTH_URL).toEqual({ "Fn::Join": ["", ["http://", { "Fn::GetAtt": [alb, "DNSName"] }]] });
    expect(e.MEDIA_HLS_AUTH).toBe("query");
    expect(e).not.toHaveProperty("MEDIA_COOKIE_DOMAIN");
  });

  it("injects every secret from Secrets Manager: the active key's field, NEXTAUTH_SECRET, database credentials", () => {
    const dbSecret = logicalIdOf(prod.template, "AWS::SecretsManager::SecretTargetAttachment", "DatabaseInstanceSecretAttachment");
    const nextAuth = logicalIdOf(prod.template, "AWS::SecretsManager::Secret", "SecretsNextAuthSecret");
    expect(secrets(container(prod, "AppTask", "app"))).toEqual({
      NEXTAUTH_SECRET: { Ref: nextAuth },
      CLOUDFRONT_PRIVATE_KEY: {
        "Fn::Join": ["", ["arn:aws:secretsmanager:eu-west-1:", { Ref: "AWS::AccountId" }, ":secret:lumen-academy/cloudfront-private-keys:cf-new::"]],
      },
      PGUSER: { "Fn::Join": ["", [{ Ref: dbSecret }, ":username::"]] },
      PGPASSWORD: { "Fn::Join": ["", [{ Ref: dbSecret }, ":password::"]] },
    });
    prod.template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
    });
  });

  it("gives the worker and the migration only the database and storage settings, no app secret", () => {
    const worker = container(prod, "WorkerTask", "worker");
    expect(Object.keys(env(worker)).sort()).toEqual(["APP_ENV", "PGDATABASE", "PGHOST", "PGPORT", "PGSSLMODE", "S3_BUCKET", "S3_REGION", "WORKER_HEALTH_PORT"]);
    expect(Object.keys(secrets(worker)).sort()).toEqual(["PGPASSWORD", "PGUSER"]);
    const migrate = container(prod, "AppTask", "migrate");
    expect(Object.keys(env(migrate)).sort()).toEqual(["APP_ENV", "PGDATABASE", "PGHOST", "PGPORT", "PGSSLMODE"]);
    expect(Object.keys(secrets(migrate)).sort()).toEqual(["PGPASSWORD", "PGUSER"]);
  });

  it("emits one output per app variable, named after it, with the same value", () => {
    const outputs = prod.template.findOutputs("*") as Record<string, { Value: unknown; Description?: string }>;
    const byVariable = Object.fromEntries(
      Object.entries(outputs)
        .filter(([, o]) => /^[A-Z][A-Z0-9_]+$/.test(o.Description ?? ""))
        .map(([id, o]) => [o.Description as string, { id, value: o.Value }]),
    );
    const app = container(prod, "AppTask", "app");
    const worker = container(prod, "WorkerTask", "worker");
    const expected = { ...env(app), ...secrets(app), ...env(worker), ...secrets(worker) };
    expect(Object.keys(byVariable).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, { id, value }] of Object.entries(byVariable)) {
      expect(id).toBe(name.replace(/_/g, ""));
      // Secret variables: the output is ECS's reference (secret ARN + JSON field), never a value.
      expect(value).toEqual(expected[name]);
    }
    expect(byVariable).not.toHaveProperty("CLOUDFRONT_EXTRA_KEYS");
  });

  it("switches the signing key by configuration: CLOUDFRONT_KEY_PAIR_ID and the secret field follow activeKey", () => {
    const keys = [generateKey("cf-old"), generateKey("cf-new")];
    const before = synth({ activeKey: "cf-old" }, keys);
    const oldKey = logicalIdOf(before.template, "AWS::CloudFront::PublicKey", "CdnPublicKeycfold");
    const app = container(before, "AppTask", "app");
    expect(env(app).CLOUDFRONT_KEY_PAIR_ID).toEqual({ Ref: oldKey });
    expect(JSON.stringify(secrets(app).CLOUDFRONT_PRIVATE_KEY)).toContain(":cf-old::");
    before.template.hasOutput("PublicKeyIdcfold", { Value: { Ref: oldKey }, Description: 'CloudFront public key id of key "cf-old" (active)' });
  });
});

describe("operator outputs", () => {
  it("lists what the deploy guide reads: DNS targets, key ids, secrets, services, logs, one-off task settings", () => {
    const outputs = Object.keys(prod.template.findOutputs("*"));
    expect(outputs).toEqual(
      expect.arrayContaining([
        "AppLoadBalancerDns",
        "MediaDistributionDomain",
        "MediaDistributionId",
        "KeyGroupId",
        "PublicKeyIdcfold",
        "PublicKeyIdcfnew",
        "CloudFrontPrivateKeySecretName",
        "DatabaseSecretArn",
        "ClusterName",
        "AppServiceName",
        "WorkerServiceName",
        "AppTaskDefinitionArn",
        "PrivateSubnetIds",
        "AppSecurityGroupId",
        "AppLogGroup",
        "WorkerLogGroup",
        "AccessLogBucketName",
        "S3AccessLogBucketName",
      ]),
    );
    prod.template.hasOutput("CloudFrontPrivateKeySecretName", { Value: "lumen-academy/cloudfront-private-keys" });
  });
});
