// Browser benchmark: the race against Jaeger UI's numbers (issue 11). For
// each input, in a fresh headless Chromium per round (median of the rounds):
// the time from the file input's `change` event to the first painted frame
// showing the trace list, and to the findings; the engine's own part of the
// time to the list (read and import, then analysis to the list, from the
// worker's measures); the peak memory of the tab's
// renderer process; the page's long tasks (from the change event to --settle
// after the findings: the page may draw its later sections then); the frame
// rate while the trace list scrolls. Inputs are Jaeger JSON from `tracelens
// generate --scenario peer --format jaeger` (20 services, 8 tags and 1-2 logs
// per span, about 1 KB per span), made once into target/bench-peer/ and kept.
//
//   node tests/bench/peer.mjs [--quick] [--inputs 1k,10k,100k,1000x50,10000x50]
//       (or the heavy ones, run only when named: 100000x3 for a list of
//       100,000 traces to scroll, 20000x50 for a 1 GB file)
//       [--rounds 3] [--dist DIR] [--timeout SECONDS] [--settle MS] [--no-scroll]
//       [--json FILE] [--wait-load LOAD] [--cli PATH]
//
// Run it against a release build (./dev serve, or --dist pointing at one).
// What the page does is read only through data-testids (peer-probe.js), so
// the same script measures the page before and after the engine moves into
// a Web Worker. A round that times out or crashes the tab is reported as
// such; the other inputs still run. The notes give the 1-minute load average
// when the rounds started: on a shared machine, compare runs at similar load
// (--wait-load 1.5 waits, up to 10 minutes a round, for the load to fall).
// --cli PATH writes the inputs with that tracelens binary instead of building
// this checkout's release CLI.

import { join } from "node:path";
import { loadavg } from "node:os";
import { launchChromium } from "../browser/harness.mjs";
import {
  INPUTS,
  ROOT,
  failureOf,
  failuresOf,
  loadRange,
  longTasksWithin,
  mb,
  median,
  ms,
  parseOptions,
  readyPlaywright,
  runInputs,
  watchPage,
} from "./peer-kit.mjs";
import { sampleRenderers } from "./renderer-memory.mjs";

function options(argv) {
  return parseOptions(argv, {
    script: "peer.mjs",
    defaults: { quick: false, settleMs: 1000, scroll: true },
    own: {
      "--quick": (g) => (g.quick = true),
      "--settle": (g, value) => (g.settleMs = Number(value())),
      "--no-scroll": (g) => (g.scroll = false),
    },
    inputs: (g) => (g.quick ? ["1k", "10k", "100k"] : INPUTS.filter((input) => !input.heavy).map((input) => input.name)),
  });
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

/**
 * How long the engine's steps took in its worker, from the measures it
 * records (`engine/timing.rs`): from the start of the read to the start of
 * the analysis (reading and importing), and from there to the list sent.
 * The worker's clock is its own, so only durations are compared.
 */
async function engineSteps(page) {
  for (const worker of page.workers()) {
    const measures = await worker
      .evaluate(() => performance.getEntriesByType("measure").map((m) => [m.name, m.startTime, m.duration]))
      .catch(() => []);
    const last = (name) => measures.filter((m) => m[0] === `tracelens: ${name}`).at(-1);
    const [analyse, listed] = ["analyse", "list and summary"].map(last);
    // Read then imported, or (a big file in parts) both at once.
    const read = last("read") ?? last("read and import in parts");
    if (read && analyse && listed) {
      return { readImportMs: analyse[1] - read[1], toListMs: listed[1] + listed[2] - analyse[1] };
    }
  }
  return null;
}

/** One round: a fresh browser, the site, the file picked, until the findings show or time runs out. */
async function round(origin, file, opts) {
  const browser = await launchChromium();
  // The machine is shared: the load when the round started says how far to trust it.
  const result = { ok: false, load: loadavg()[0] };
  try {
    const page = await browser.newPage();
    await page.addInitScript({ path: join(ROOT, "tests", "bench", "peer-probe.js") });
    const watch = watchPage(page);
    const errors = watch.errors;
    await page.goto(`${origin}/`);
    await page.getByTestId("file-input").waitFor({ state: "attached" });
    await readyPlaywright(page);
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
      // What the page draws after the findings (its later sections) is part of the load too.
      await page.waitForTimeout(opts.settleMs);
    } catch (error) {
      failure = failureOf(error, watch, opts.timeoutS);
    }
    Object.assign(result, await memory.stop());
    result.steps = await engineSteps(page);
    const probe = watch.crashed() ? null : await page.evaluate(() => window.__peerBench).catch(() => null);
    if (probe?.changeAt != null) {
      const since = (at) => (at == null ? null : at - probe.changeAt);
      result.listMs = since(probe.listPaintedAt);
      result.findingsMs = since(probe.findingsPaintedAt);
      result.findings = probe.findings;
      const drawn = (probe.findingsPaintedAt ?? Infinity) + opts.settleMs;
      if (probe.longTasks) Object.assign(result, longTasksWithin(probe.longTasks, probe.changeAt, drawn));
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

function row(input, bytes, rounds) {
  const ok = rounds.filter((r) => r.ok);
  const failed = rounds.filter((r) => !r.ok);
  const failures = failuresOf(rounds);
  // Medians of the rounds that finished; a round that failed still tells its memory and tasks.
  const of = ok.length ? ok : rounds;
  const scroll = median(of.map((r) => r.scroll?.fps));
  const where = of.find((r) => r.scroll)?.scroll?.container;
  return [
    `${input.label} (${mb(bytes)})`,
    ok.length ? ms(median(ok.map((r) => r.listMs))) : `failed: ${failures.join("; ")}`,
    ok.length ? ms(median(ok.map((r) => r.findingsMs))) : "–",
    mb(median(of.map((r) => r.peakBytes))),
    `${ms(median(of.map((r) => r.longestTaskMs)))} (${median(of.map((r) => r.longTasks)) ?? "–"} over 50 ms)`,
    scroll == null ? "–" : `${Math.round(scroll)} fps (${where})`,
    ["readImportMs", "toListMs"].map((step) => ms(median(of.map((r) => r.steps?.[step])))).join(" + "),
    [loadRange(rounds), ...(ok.length && failed.length ? failures : [])].join("; "),
  ];
}

await runInputs(options(process.argv.slice(2)), {
  columns: [
    ["input", false],
    ["time to list", true],
    ["time to findings", true],
    ["peak renderer memory", true],
    ["longest main-thread task", true],
    ["scrolling the list", true],
    ["engine: read and import + analysis to the list", true],
    ["notes", false],
  ],
  round,
  row,
});
