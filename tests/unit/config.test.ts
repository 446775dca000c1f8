import { describe, expect, it } from "vitest";
import { appConfig, ConfigError, edgeConfig, workerConfig, storageServerConfig, type Env } from "@/lib/config";
import { DEV_NEXTAUTH_SECRET } from "@/lib/config/schema";

/** Every process builds its slice from the same environment: the shared parts must agree. */
function allThree(env: Env) {
  return { app: appConfig(env), edge: edgeConfig(env), worker: workerConfig(env) };
}

describe("one configuration for every process", () => {
  it("on the embedded default, app, edge, worker and storage server agree on storage, media URL and keys", () => {
    const env: Env = {
      NODE_ENV: "development",
      CLOUDFRONT_KEY_PAIR_ID: "KDEVKEY",
      CLOUDFRONT_PRIVATE_KEY_PATH: "var/keys/KDEVKEY.pem",
      STORAGE_PORT: "4700",
      EDGE_PORT: "4200",
    };
    const { app, edge, worker } = allThree(env);
    const server = storageServerConfig(env);
    // Storage: the local server for everyone (an unset S3_ENDPOINT means the same thing in every process).
    expect(app.storage).toEqual(edge.storage);
    expect(worker.storage).toEqual(app.storage);
    expect(app.storage.endpoint).toBe("http://127.0.0.1:4700");
    expect(server.storageServer.port).toBe(4700);
    expect(server.storage.bucket).toBe(app.storage.bucket);
    // Public media URL: what the app signs is what the edge matches policies against.
    expect(app.media.baseUrl).toBe("http://localhost:4200");
    expect(edge.edge.publicUrl).toBe(app.media.baseUrl);
    // Keys: the edge trusts the app's active key (a local key group).
    expect(edge.edge.trustedKeys).toBe("KDEVKEY=var/keys/KDEVKEY.pem");
    expect(edge.signing).toEqual(app.signing);
    // CORS on the edge and the storage server defaults to the app's origin.
    expect(edge.edge.corsOrigins).toEqual([new URL(app.server.publicUrl).origin]);
    expect(server.storageServer.corsOrigins).toEqual(edge.edge.corsOrigins);
    expect(worker.database.url).toBe(app.database.url);
  });

  it("on AWS, nobody falls back to the embedded storage server and the media URL is the CDN", () => {
    const env: Env = {
      NODE_ENV: "production",
      APP_ENV: "aws",
      NEXTAUTH_URL: "https://learn.example.com",
      NEXTAUTH_SECRET: "x".repeat(40),
      MEDIA_BASE_URL: "https://media.example.com/",
      S3_BUCKET: "acme-course-media",
      S3_REGION: "eu-west-1",
      CLOUDFRONT_KEY_PAIR_ID: "K2JCJMDEHXQW5F",
      CLOUDFRONT_PRIVATE_KEY_PATH: "/run/secrets/cf.pem",
      EDGE_TRUSTED_KEYS: "K2JCJMDEHXQW5F=/run/secrets/cf.pub.pem",
      DATABASE_URL: "postgresql://portal:secret@db.internal:5432/portal",
    };
    const { app, edge, worker } = allThree(env);
    for (const c of [app, edge, worker]) {
      expect(c.storage).toEqual({ bucket: "acme-course-media", region: "eu-west-1", endpoint: undefined, accessKeyId: undefined, secretAccessKey: undefined });
    }
    expect(app.media.baseUrl).toBe("https://media.example.com");
    expect(edge.edge.publicUrl).toBe(app.media.baseUrl);
    expect(worker.database.url).toBe("postgresql://portal:secret@db.internal:5432/portal");
  });

  it("names every variable at fault", () => {
    expect(() => appConfig({ MEDIA_TTL_STREAM_SECONDS: "soon", EDGE_PORT: "70000" })).toThrow(ConfigError);
    try {
      appConfig({ MEDIA_TTL_STREAM_SECONDS: "soon", EDGE_PORT: "70000" });
    } catch (e) {
      expect((e as ConfigError).problems.join("\n")).toMatch(/MEDIA_TTL_STREAM_SECONDS/);
      expect((e as ConfigError).problems.join("\n")).toMatch(/EDGE_PORT/);
    }
  });

  it("refuses production without a real session secret, but not while Next builds", () => {
    expect(() => appConfig({ NODE_ENV: "production" })).toThrow(/NEXTAUTH_SECRET: required/);
    expect(() => appConfig({ NODE_ENV: "production", NEXTAUTH_SECRET: DEV_NEXTAUTH_SECRET })).toThrow(/development secret/);
    expect(() => appConfig({ NODE_ENV: "production", NEXTAUTH_SECRET: "short" })).toThrow(/32 characters/);
    expect(appConfig({ NODE_ENV: "production", NEXT_PHASE: "phase-production-build" }).auth.secret).toBe("");
    expect(appConfig({ NODE_ENV: "development" }).auth.secret).toBe(DEV_NEXTAUTH_SECRET);
  });

  it("requires what each process needs on AWS", () => {
    expect(() => appConfig({ APP_ENV: "aws", NODE_ENV: "development" })).toThrow(/MEDIA_BASE_URL/);
    expect(() => appConfig({ APP_ENV: "aws", MEDIA_BASE_URL: "https://cdn.example.com" })).toThrow(/CLOUDFRONT_KEY_PAIR_ID/);
    expect(() => edgeConfig({ APP_ENV: "aws", MEDIA_BASE_URL: "https://cdn.example.com" })).toThrow(/EDGE_TRUSTED_KEYS/);
    expect(() => workerConfig({ WORKER_LEASE_SECONDS: "3", WORKER_HEARTBEAT_MS: "5000" })).toThrow(/WORKER_HEARTBEAT_MS/);
    expect(workerConfig({ WORKER_LEASE_SECONDS: "30" }).worker.heartbeatMs).toBe(10_000);
  });

  it("edge cache, shutdown and verification switch: defaults, and EDGE_VERIFY=off only locally", () => {
    const { edge } = edgeConfig({ CLOUDFRONT_KEY_PAIR_ID: "K", CLOUDFRONT_PRIVATE_KEY_PATH: "k.pem" });
    expect(edge.shutdownSeconds).toBe(20);
    expect(edge.cache).toEqual({ maxBytes: 256 * 1024 * 1024, maxObjectBytes: 16 * 1024 * 1024, revalidateSeconds: 60, dir: undefined, diskBytes: 1024 * 1024 * 1024 });
    expect(edge.verify).toBe(true);
    const off = { CLOUDFRONT_KEY_PAIR_ID: "K", CLOUDFRONT_PRIVATE_KEY_PATH: "k.pem", EDGE_VERIFY: "off", EDGE_CACHE_BYTES: "0" };
    expect(edgeConfig(off).edge).toMatchObject({ verify: false, cache: { maxBytes: 0 } });
    const aws = { APP_ENV: "aws", MEDIA_BASE_URL: "https://cdn.example.com", EDGE_TRUSTED_KEYS: "K=k.pem", EDGE_VERIFY: "off" };
    expect(() => edgeConfig(aws)).toThrow(/EDGE_VERIFY=off: refused unless APP_ENV=local/);
    expect(() => edgeConfig({ ...off, EDGE_VERIFY: "no" })).toThrow(/EDGE_VERIFY/);
  });

  it("MEDIA_SIGNING=noop (benchmarks) only with APP_ENV=local", () => {
    const local = { CLOUDFRONT_KEY_PAIR_ID: "K", CLOUDFRONT_PRIVATE_KEY_PATH: "k.pem" };
    expect(appConfig(local).signing.noop).toBe(false);
    expect(appConfig({ ...local, MEDIA_SIGNING: "noop" }).signing.noop).toBe(true);
    const aws = { APP_ENV: "aws", MEDIA_BASE_URL: "https://cdn.example.com", ...local, MEDIA_SIGNING: "noop" };
    expect(() => appConfig(aws)).toThrow(/MEDIA_SIGNING=noop: refused unless APP_ENV=local/);
    expect(() => appConfig({ ...local, MEDIA_SIGNING: "off" })).toThrow(/MEDIA_SIGNING/);
  });
});
