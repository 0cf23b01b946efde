// Browser benchmark: the race against Jaeger UI's numbers (issue 11). For
// each input, in a fresh headless Chromium per round (median of the rounds):
// the time from the file input's `change` event to the first painted frame
// showing the trace list, and to the findings; the peak memory of the tab's
// renderer process; the page's long tasks; the frame rate while the trace
// list scrolls. Inputs are Jaeger JSON from `tracelens generate --scenario
// peer --format jaeger` (20 services, 8 tags and 1-2 logs per span, about
// 1 KB per span), made once into target/bench-peer/ and kept.
//
//   node tests/bench/peer.mjs [--quick] [--inputs 1k,10k,100k,1000x50,10000x50]
//       [--rounds 3] [--dist DIR] [--timeout SECONDS] [--settle MS] [--no-scroll]
//       [--json FILE] [--wait-load LOAD]
//
// Run it against a release build (./dev serve, or --dist pointing at one).
// What the page does is read only through data-testids (peer-probe.js), so
// the same script measures the page before and after the engine moves into
// a Web Worker. A round that times out or crashes the tab is reported as
// such; the other inputs still run. The notes give the 1-minute load average
// when the rounds started: on a shared machine, compare runs at similar load
// (--wait-load 1.5 waits, up to 10 minutes a round, for the load to fall).

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { serveStatic } from "../../scripts/serve.mjs";
import { launchChromium } from "../browser/harness.mjs";
import { sampleRenderers } from "./renderer-memory.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The five inputs, smallest first: traces × spans per trace. */
const INPUTS = [
  { name: "1k", label: "one trace of 1,000 spans", traces: 1, spans: 1_000 },
  { name: "10k", label: "one trace of 10,000 spans", traces: 1, spans: 10_000 },
  { name: "100k", label: "one trace of 100,000 spans", traces: 1, spans: 100_000 },
  { name: "1000x50", label: "1,000 traces × 50 spans", traces: 1_000, spans: 50 },
  { name: "10000x50", label: "10,000 traces × 50 spans", traces: 10_000, spans: 50 },
];

function options(argv) {
  const given = {
    quick: false,
    inputs: null,
    rounds: 3,
    dist: join(ROOT, "dist"),
    timeoutS: 180,
    settleMs: 1000,
    scroll: true,
    json: null,
    waitLoad: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === "--quick") given.quick = true;
    else if (arg === "--inputs") given.inputs = value().split(",");
    else if (arg === "--rounds") given.rounds = Number(value());
    else if (arg === "--dist") given.dist = resolve(value());
    else if (arg === "--timeout") given.timeoutS = Number(value());
    else if (arg === "--settle") given.settleMs = Number(value());
    else if (arg === "--no-scroll") given.scroll = false;
    else if (arg === "--json") given.json = resolve(value());
    else if (arg === "--wait-load") given.waitLoad = Number(value());
    else throw new Error(`unknown option ${arg} (see the header of tests/bench/peer.mjs)`);
  }
  const names = given.inputs ?? (given.quick ? ["1k", "10k", "100k"] : INPUTS.map((input) => input.name));
  const unknown = names.filter((name) => !INPUTS.some((input) => input.name === name));
  if (unknown.length) throw new Error(`unknown input ${unknown.join(", ")}; known: ${INPUTS.map((i) => i.name).join(", ")}`);
  if (!(given.rounds >= 1)) throw new Error("--rounds must be at least 1");
  if (!existsSync(join(given.dist, "index.html"))) throw new Error(`no site at ${given.dist}: build one (./dev serve) or pass --dist`);
  return { ...given, inputs: INPUTS.filter((input) => names.includes(input.name)) };
}

/** The input's file, generated unless one newer than the CLI binary exists. */
function inputFile(input) {
  const dir = join(ROOT, "target", "bench-peer");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `peer-${input.traces}x${input.spans}.json`);
  const cli = join(ROOT, "target", "release", "tracelens");
  if (!existsSync(file) || statSync(file).mtimeMs < statSync(cli).mtimeMs) {
    const args = ["generate", "--scenario", "peer", "--format", "jaeger"];
    execFileSync(cli, [...args, "--traces", String(input.traces), "--spans-per-trace", String(input.spans), "--out", file]);
  }
  return file;
}

/** Frames per second while the trace list's scroll container scrolls for 2 s. */
function scrollTheList() {
  const row = document.querySelector('[data-testid="trace-row"]');
  let box = row?.parentElement;
  while (box && box !== document.body && box !== document.documentElement) {
    const overflow = getComputedStyle(box).overflowY;
    if ((overflow === "auto" || overflow === "scroll") && box.scrollHeight > box.clientHeight + 1) break;
    box = box.parentElement;
  }
  const own = box && box !== document.body && box !== document.documentElement;
  const container = own ? box : document.scrollingElement;
  const range = container.scrollHeight - container.clientHeight;
  if (!row || range <= 0) return null;
  const from = own ? 0 : Math.max(0, Math.min(range, row.getBoundingClientRect().top + container.scrollTop - 100));
  return new Promise((done) => {
    let frames = 0;
    let worst = 0;
    let last = null;
    let start = null;
    const step = (now) => {
      start ??= now;
      if (last !== null) worst = Math.max(worst, now - last);
      last = now;
      frames++;
      const t = now - start;
      // Down and back up at 3,000 px/s, as a fast flick would.
      const travel = (t * 3) % (2 * Math.max(1, range - from));
      container.scrollTop = from + (travel <= range - from ? travel : 2 * (range - from) - travel);
      if (t < 2000) requestAnimationFrame(step);
      else done({ fps: ((frames - 1) * 1000) / t, worstFrameMs: worst, container: own ? "list" : "page" });
    };
    requestAnimationFrame(step);
  });
}

/** Waits (up to 10 minutes) for the 1-minute load average to fall to `most`. */
async function quietMachine(most) {
  const until = Date.now() + 600_000;
  while (most != null && loadavg()[0] > most && Date.now() < until) await new Promise((ok) => setTimeout(ok, 5000));
}

/** One round: a fresh browser, the site, the file picked, until the findings show or time runs out. */
async function round(origin, file, opts) {
  const browser = await launchChromium();
  // The machine is shared: the load when the round started says how far to trust it.
  const result = { ok: false, load: loadavg()[0] };
  try {
    const page = await browser.newPage();
    await page.addInitScript({ path: join(ROOT, "tests", "bench", "peer-probe.js") });
    let crashed = false;
    page.on("crash", () => (crashed = true));
    // What the page itself says went wrong, to tell a failed round's cause.
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    await page.goto(`${origin}/`);
    await page.getByTestId("file-input").waitFor({ state: "attached" });
    // A person opens the page, then picks a file: give it the idle time it would have.
    await page.waitForTimeout(opts.settleMs);
    const memory = await sampleRenderers(browser);
    let failure = null;
    try {
      await page.getByTestId("file-input").setInputFiles(file, { timeout: opts.timeoutS * 1000 });
      await page.waitForFunction(
        () => window.__peerBench.listPaintedAt !== null && window.__peerBench.findingsPaintedAt !== null,
        null,
        { timeout: opts.timeoutS * 1000, polling: 100 },
      );
    } catch (error) {
      failure = crashed ? "the tab crashed" : /Timeout/i.test(error.message) ? `no result within ${opts.timeoutS} s` : error.message.split("\n")[0];
    }
    Object.assign(result, await memory.stop());
    const probe = crashed ? null : await page.evaluate(() => window.__peerBench).catch(() => null);
    if (probe?.changeAt != null) {
      const since = (at) => (at == null ? null : at - probe.changeAt);
      result.listMs = since(probe.listPaintedAt);
      result.findingsMs = since(probe.findingsPaintedAt);
      result.findings = probe.findings;
      if (probe.longTasks) {
        const end = probe.findingsPaintedAt ?? Infinity;
        const during = probe.longTasks.filter((t) => t.start + t.duration >= probe.changeAt && t.start <= end);
        result.longTasks = during.length;
        result.longestTaskMs = Math.max(0, ...during.map((t) => t.duration));
      }
    }
    if (errors.length) result.pageErrors = errors.slice(0, 5);
    if (failure) result.failure = errors.length ? `${failure}; the page said: ${errors[0].slice(0, 200)}` : failure;
    else {
      result.ok = true;
      if (opts.scroll) result.scroll = await page.evaluate(scrollTheList).catch(() => null);
    }
  } finally {
    await browser.close().catch(() => {});
  }
  return result;
}

const median = (xs) => {
  const sorted = xs.filter((x) => x != null).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null;
};
const ms = (x) => (x == null ? "–" : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x).toLocaleString("en")} ms`);
const mb = (bytes) => (bytes == null ? "–" : `${Math.round(bytes / 1e6).toLocaleString("en")} MB`);

function row(input, bytes, rounds) {
  const ok = rounds.filter((r) => r.ok);
  const failed = rounds.filter((r) => !r.ok);
  const failures = [...new Set(failed.map((r) => r.failure))].map((f) => `${f} (${failed.filter((r) => r.failure === f).length} of ${rounds.length})`);
  // Medians of the rounds that finished; a round that failed still tells its memory and tasks.
  const of = ok.length ? ok : rounds;
  const scroll = median(of.map((r) => r.scroll?.fps));
  const where = of.find((r) => r.scroll)?.scroll?.container;
  const loads = rounds.map((r) => r.load);
  const load = `load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`;
  return [
    `${input.label} (${mb(bytes)})`,
    ok.length ? ms(median(ok.map((r) => r.listMs))) : `failed: ${failures.join("; ")}`,
    ok.length ? ms(median(ok.map((r) => r.findingsMs))) : "–",
    mb(median(of.map((r) => r.peakBytes))),
    `${ms(median(of.map((r) => r.longestTaskMs)))} (${median(of.map((r) => r.longTasks)) ?? "–"} over 50 ms)`,
    scroll == null ? "–" : `${Math.round(scroll)} fps (${where})`,
    [load, ...(ok.length && failed.length ? failures : [])].join("; "),
  ];
}

const opts = options(process.argv.slice(2));
execFileSync("cargo", ["build", "-q", "--release", "-p", "tracelens-cli"], { cwd: ROOT, stdio: "inherit" });
const server = await serveStatic(opts.dist, 0);
const origin = `http://127.0.0.1:${server.address().port}`;
const browserVersion = await launchChromium().then(async (b) => [b.version(), await b.close()][0]);
console.log(`Chromium ${browserVersion}, site ${opts.dist}; medians of ${opts.rounds} fresh browsers per input.\n`);
console.log("| input | time to list | time to findings | peak renderer memory | longest main-thread task | scrolling the list | notes |");
console.log("|---|---:|---:|---:|---:|---:|---|");
const report = [];
for (const input of opts.inputs) {
  const file = inputFile(input);
  const bytes = statSync(file).size;
  const rounds = [];
  for (let i = 0; i < opts.rounds; i++) {
    await quietMachine(opts.waitLoad);
    rounds.push(await round(origin, file, opts));
  }
  report.push({ input: input.name, traces: input.traces, spansPerTrace: input.spans, bytes, rounds });
  console.log(`| ${row(input, bytes, rounds).join(" | ")} |`);
}
server.close();
if (opts.json) writeFileSync(opts.json, JSON.stringify({ chromium: browserVersion, dist: opts.dist, inputs: report }, null, 2));
