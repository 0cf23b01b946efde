// Browser benchmark: opening one big trace in the waterfall (issue 12: "a
// 100,000-span trace opens in ≤ 200 ms from the click to the painted rows
// … scrolls at 60 frames a second, and its memory is recorded"). For each
// input, one trace of 1k, 10k or 100k spans from the peer generator (the
// files peer.mjs uses, in target/bench-peer/), in a fresh headless Chromium
// per round (medians of the rounds):
//
// - open: the file is loaded, the trace list shows, then the list's
//   `trace-link` is clicked; the time from the click event (a capture-phase
//   listener on the window, which runs before the page's own) to the first
//   painted frame with a `span-row` (checked at each animation frame; a
//   timer set in the frame that first sees one fires after that frame is
//   painted, as peer-probe.js does);
// - the longest main-thread task from the click to that frame
//   (PerformanceObserver `longtask`), and the longest in the second after it
//   (work the page does once the rows are up);
// - the tab's peak renderer memory from the click to a second after the
//   rows (renderer-memory.mjs, its peak cleared at the click so the load's
//   does not count), and what the tab held at the click;
// - scrolling the `span-scroller`, one step per animation frame, two ways:
//   a screen a frame for up to --steps frames (a fast, steady scroll), and
//   top to bottom in --steps equal jumps (at least a screen each: dragging
//   the scrollbar or the minimap). Each gives frames per second, the worst
//   frame, and how many frames were painted with part of the view empty
//   (the rows for it not yet answered by the engine), and after the last
//   step how long until the view is covered again;
// - reopening: back to the list (history back), then the same link again,
//   click to painted rows.
//
//   node tests/bench/trace-view.mjs [--inputs 1k,10k,100k] [--rounds 3]
//       [--dist DIR] [--cli PATH] [--timeout SECONDS] [--settle MS]
//       [--steps 60] [--json FILE] [--wait-load LOAD]
//
// Run it against a release build (`--dist`); a dev build's numbers only say
// that the script works. --cli PATH writes the inputs with that tracelens
// binary instead of building this checkout's release CLI.

import { loadavg } from "node:os";
import { launchChromium } from "../browser/harness.mjs";
import * as kit from "./peer-kit.mjs";
import { sampleRenderers } from "./renderer-memory.mjs";

const TRACE_INPUTS = ["1k", "10k", "100k"];

function options(argv) {
  const opts = kit.parseOptions(argv, {
    script: "trace-view.mjs",
    defaults: { settleMs: 1000, steps: 60 },
    own: {
      "--settle": (g, value) => (g.settleMs = Number(value())),
      "--steps": (g, value) => (g.steps = Number(value())),
    },
    inputs: () => TRACE_INPUTS,
  });
  const many = opts.inputs.find((input) => input.traces !== 1);
  if (many) throw new Error(`${many.name} is not one trace: this benchmark opens one (${TRACE_INPUTS.join(", ")})`);
  if (!(opts.steps >= 2)) throw new Error("--steps must be at least 2");
  return opts;
}

/**
 * Installed in the page once its list shows (runs there, not in Node):
 * `window.__traceBench.arm()` readies it for one open; then the click's time,
 * when the first span row is seen and when that frame is painted. Long tasks
 * are kept from installation on.
 */
function installProbe() {
  const bench = { clickAt: null, rowsAt: null, paintedAt: null, rows: null, longTasks: [], armed: false };
  window.__traceBench = bench;
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) bench.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: "longtask" });
  } catch {
    bench.longTasks = null; // no Long Tasks API: reported as unknown, not as none
  }
  addEventListener(
    "click",
    (event) => {
      if (bench.armed && bench.clickAt === null && event.target?.closest?.('[data-testid="trace-link"]')) bench.clickAt = performance.now();
    },
    true,
  );
  // One querySelector a frame while armed, nothing once the rows are seen.
  const poll = () => {
    if (bench.clickAt !== null && bench.rowsAt === null) {
      const rows = document.querySelectorAll('[data-testid="span-row"]').length;
      if (rows > 0) {
        bench.rowsAt = performance.now();
        bench.rows = rows;
        setTimeout(() => (bench.paintedAt = performance.now()), 0);
        return;
      }
    }
    requestAnimationFrame(poll);
  };
  bench.arm = () => {
    Object.assign(bench, { clickAt: null, rowsAt: null, paintedAt: null, rows: null, armed: true });
    requestAnimationFrame(poll);
  };
}

/**
 * Scrolls the waterfall one step a frame (runs in the page). `jump`: top to
 * bottom in `steps` equal steps of at least a screen; else a screen a step
 * for up to `steps` steps. Coverage is read after each step's position is
 * set, so it is what that frame paints: worker answers arrive as tasks
 * between frames, never between a frame's callbacks and its paint.
 */
function scrollTheWaterfall({ steps, jump }) {
  const scroller = document.querySelector('[data-testid="span-scroller"]');
  if (!scroller) return null;
  const view = scroller.clientHeight;
  const range = scroller.scrollHeight - view;
  if (range <= 0 || view <= 0) return { note: "nothing to scroll" };
  const stride = jump ? Math.max(view, range / steps) : view;
  const total = Math.min(steps, Math.ceil(range / stride));
  // The share of the view's height that rows cover.
  const coverage = () => {
    const box = scroller.getBoundingClientRect();
    const top = box.top + scroller.clientTop;
    const bottom = top + view;
    let covered = 0;
    for (const row of scroller.querySelectorAll('[data-testid="span-row"]')) {
      const r = row.getBoundingClientRect();
      covered += Math.max(0, Math.min(r.bottom, bottom) - Math.max(r.top, top));
    }
    return Math.min(1, covered / view);
  };
  scroller.scrollTop = 0;
  return new Promise((done) => {
    let step = 0;
    let first = null;
    let last = null;
    let worst = 0;
    let gaps = 0;
    let stepsEndAt = null;
    const settleBy = performance.now() + 10_000;
    const frame = (now) => {
      if (last !== null) worst = Math.max(worst, now - last);
      first ??= now;
      last = now;
      if (step < total) {
        step++;
        scroller.scrollTop = Math.min(range, step * stride);
        if (coverage() < 0.999) gaps++;
        requestAnimationFrame(frame);
        return;
      }
      stepsEndAt ??= now;
      // After the last step: frames until the rows cover the view again.
      if (coverage() < 0.999 && now < settleBy) {
        requestAnimationFrame(frame);
        return;
      }
      done({
        steps: total,
        stridePx: Math.round(stride),
        fps: (total * 1000) / (stepsEndAt - first),
        worstFrameMs: worst,
        gapFrames: gaps,
        settleMs: now - stepsEndAt,
        settled: now < settleBy,
        startAt: first,
        endAt: now,
      });
    };
    requestAnimationFrame(frame);
  });
}

/** Arms the probe, clicks the first trace link, waits for its rows painted; the probe then. */
async function openTrace(page, opts) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="span-row"]') && document.querySelector('[data-testid="trace-link"]'), null, {
    timeout: opts.timeoutS * 1000,
  });
  await page.evaluate(() => window.__traceBench.arm());
  await page.getByTestId("trace-link").first().click({ timeout: opts.timeoutS * 1000 });
  await page.waitForFunction(() => window.__traceBench.paintedAt !== null, null, { timeout: opts.timeoutS * 1000, polling: 50 });
  return page.evaluate(() => {
    const { longTasks, arm, ...rest } = window.__traceBench;
    return { ...rest, longTasks: longTasks && [...longTasks] };
  });
}

/** What an open's probe says: the time to painted rows and the long tasks around it. */
function opened(probe, afterMs) {
  const during = kit.longTasksWithin(probe.longTasks, probe.clickAt, probe.paintedAt);
  const after = kit.longTasksWithin(probe.longTasks, probe.paintedAt, probe.paintedAt + afterMs);
  return {
    openMs: probe.paintedAt - probe.clickAt,
    rows: probe.rows,
    longTasks: during.longTasks,
    longestTaskMs: during.longestTaskMs,
    longestAfterMs: after.longestTaskMs,
  };
}

/** One round: a fresh browser, the file loaded, the trace opened, scrolled, left and opened again. */
async function round(origin, file, opts) {
  const browser = await launchChromium();
  // The machine is shared: the load when the round started says how far to trust it.
  const result = { ok: false, load: loadavg()[0] };
  let stage = "loading the file";
  let watch = null;
  try {
    const page = await browser.newPage();
    watch = kit.watchPage(page);
    await page.goto(`${origin}/`);
    await page.getByTestId("file-input").waitFor({ state: "attached" });
    await page.waitForTimeout(opts.settleMs);
    await page.getByTestId("file-input").setInputFiles(file, { timeout: opts.timeoutS * 1000 });
    await page.getByTestId("trace-link").first().waitFor({ timeout: opts.timeoutS * 1000 });
    await page.evaluate(installProbe);
    // A person reads the list before clicking: the page's drawing after a load is not the open's.
    await page.waitForTimeout(opts.settleMs);

    stage = "opening the trace";
    const memory = await sampleRenderers(browser, 50, { resetPeak: true });
    const first = await openTrace(page, opts).finally(async () => {
      await page.waitForTimeout(opts.settleMs).catch(() => {});
      Object.assign(result, await memory.stop());
    });
    Object.assign(result, opened(first, opts.settleMs));

    stage = "scrolling";
    const longTasks = () => page.evaluate(() => window.__traceBench.longTasks);
    for (const [key, jump] of [
      ["screens", false],
      ["jumps", true],
    ]) {
      const scroll = await page.evaluate(scrollTheWaterfall, { steps: opts.steps, jump });
      if (scroll?.startAt != null) Object.assign(scroll, kit.longTasksWithin(await longTasks(), scroll.startAt, scroll.endAt));
      result[key] = scroll;
      await page.waitForTimeout(opts.settleMs / 2);
    }

    stage = "opening it again";
    await page.goBack();
    await page.waitForTimeout(opts.settleMs);
    const again = opened(await openTrace(page, opts), 0);
    result.reopenMs = again.openMs;
    result.reopenLongestTaskMs = again.longestTaskMs;
    result.ok = true;
  } catch (error) {
    result.failure = `${stage}: ${watch ? kit.failureOf(error, watch, opts.timeoutS) : error.message.split("\n")[0]}`;
  } finally {
    if (watch?.errors.length) {
      result.pageErrors = watch.errors.slice(0, 5);
      if (result.failure) result.failure += `; the page said: ${watch.errors[0].slice(0, 200)}`;
    }
    await browser.close().catch(() => {});
  }
  return result;
}

/** A scroll's medians: "fps, worst frame, frames with gaps of steps; settled after". */
function scrolled(rounds, key) {
  const runs = rounds.map((r) => r[key]).filter((s) => s?.fps != null);
  if (!runs.length) return rounds.find((r) => r[key]?.note)?.[key].note ?? "–";
  const at = (f) => kit.median(runs.map(f));
  return `${Math.round(at((s) => s.fps))} fps, worst ${kit.ms(at((s) => s.worstFrameMs))}, ${at((s) => s.gapFrames)} of ${at((s) => s.steps)} with gaps, covered ${kit.ms(at((s) => s.settleMs))} after`;
}

function row(input, bytes, rounds) {
  const ok = rounds.filter((r) => r.ok);
  const failures = kit.failuresOf(rounds);
  // Medians of the rounds that finished; a round that failed still tells what it got to.
  const of = ok.length ? ok : rounds;
  const at = (f) => kit.median(of.map(f));
  return [
    `${input.label} (${kit.mb(bytes)})`,
    at((r) => r.openMs) == null ? `failed: ${failures.join("; ")}` : kit.ms(at((r) => r.openMs)),
    `${kit.ms(at((r) => r.longestTaskMs))} (${at((r) => r.longTasks) ?? "–"} over 50 ms); after: ${kit.ms(at((r) => r.longestAfterMs))}`,
    `${kit.mb(at((r) => r.peakBytes))} (${kit.mb(at((r) => r.startBytes))} before)`,
    scrolled(of, "screens"),
    scrolled(of, "jumps"),
    kit.ms(at((r) => r.reopenMs)),
    [kit.loadRange(rounds), ...(ok.length && ok.length < rounds.length ? failures : [])].join("; "),
  ];
}

const opts = options(process.argv.slice(2));
await kit.runInputs(opts, {
  columns: [
    ["input", false],
    ["click to painted rows", true],
    ["longest main-thread task: open; the settle after", true],
    ["peak renderer memory during the open", true],
    ["scrolling a screen a frame", false],
    ["scrolling top to bottom", false],
    ["reopen: click to painted rows", true],
    ["notes", false],
  ],
  round,
  row,
  note: `; scrolls of ${opts.steps} steps`,
  extra: { steps: opts.steps },
});
