/**
 * The catalogue at scale: requests per second of the first catalogue page (24 courses with
 * signed covers, out of 1,000 published) from the app as it runs, against the same page
 * rendered by a second instance with the no-op signer (MEDIA_SIGNING=noop: the same URLs with
 * a placeholder signature, no signing work at all). Both instances share the database and
 * storage and are measured in turns, the order reversed every other round (ours, baseline,
 * baseline, ours, …; the ratio is the median of the rounds' ratios), warm: both rendered the
 * page under load first until their JITs settled, and our signer answers from its cache
 * (ADR 050), which is the state of a running catalogue. Load: wrk, 8 connections, 1 thread.
 */
import { expectPage, signedUrlCount } from "./lib/http";
import { interleaved, medianRun } from "./lib/measure";
import { compareRounds, type Bench } from "./lib/result";
import { runWrk, errorCount, type WrkResult } from "./lib/wrk";

const CONNECTIONS = 8;

export const catalogue: Bench = async (ctx) => {
  await ctx.stack.courses();
  const [ours, noop] = await Promise.all([ctx.stack.app("ecdsa"), ctx.stack.app("noop")]);
  const path = "/courses";

  // Same page, same shape: the no-op page carries as many signed URLs and weighs the same.
  const [a, b] = await Promise.all([expectPage(ours.url + path), expectPage(noop.url + path)]);
  if (signedUrlCount(a.body) !== signedUrlCount(b.body)) throw new Error("bench: the no-op page does not carry the same URLs");
  if (Math.abs(a.bytes - b.bytes) > a.bytes * 0.02) throw new Error(`bench: the pages differ in weight (${a.bytes} against ${b.bytes} bytes)`);

  ctx.log("catalogue: warming both instances");
  const load = (url: string, seconds: number) => runWrk({ origin: url, paths: [path], connections: CONNECTIONS, threads: 1, seconds });
  // Rates still rose from round to round after 3 s of warm-up (73 → 87 → 101 req/s): 10 s each.
  await load(ours.url, ctx.quick ? 1 : 10);
  await load(noop.url, ctx.quick ? 1 : 10);

  const rounds = ctx.quick ? 1 : 6;
  ctx.log(`catalogue: ${rounds} round(s) of ${ctx.seconds} s each`);
  const m = await interleaved(rounds, { ours: () => load(ours.url, ctx.seconds), noop: () => load(noop.url, ctx.seconds) }, (r: WrkResult) => r.rps);
  const errors = [...m.ours.all, ...m.noop.all].reduce((n, r) => n + errorCount(r), 0);
  if (errors > 0) throw new Error(`bench: ${errors} errors while loading the catalogue`);
  const run = medianRun(m.ours.all, (r) => r.rps);
  const base = medianRun(m.noop.all, (r) => r.rps);
  return [
    compareRounds("catalogue page (24 signed covers of 1,000 courses), warm, vs no-op signer", "req/s", m.ours.all.map((r) => r.rps), m.noop.all.map((r) => r.rps), { op: ">=", value: 0.9 }, {
      p50Ms: run.latencyMs.p50,
      p99Ms: run.latencyMs.p99,
      extra: {
        connections: CONNECTIONS,
        noopP50Ms: base.latencyMs.p50,
        noopP99Ms: base.latencyMs.p99,
        oursRps: m.ours.all.map((r) => r.rps.toFixed(1)).join(" "),
        noopRps: m.noop.all.map((r) => r.rps.toFixed(1)).join(" "),
        pageBytes: a.bytes,
      },
    }),
  ];
};
