// Where a load's long main-thread tasks go: one round of peer.mjs's load
// (or, with --open, trace-view.mjs's click and scroll) under Chromium's
// performance trace (the DevTools protocol's Tracing domain, the same trace
// the Performance panel records), then, for each task of the page's main
// thread over --over ms: what ran in it by trace event (script, style,
// layout, paint; time not inside a child event is the event's own), the
// app's `tracelens: …` measures it holds, and the functions the sampling
// profiler saw in it, by self and total time. Function names are readable
// only in a build whose wasm kept its name section: a release build with
// wasm-opt off, e.g. www/index.html's `data-wasm-opt="z"` set to "0" before
// `trunk build --release --dist DIR` (wasm-opt drops the names).
//
//   node tests/bench/load-profile.mjs --dist DIR [--input 1k] [--over 50]
//       [--settle MS] [--open] [--steps N] [--top N] [--save FILE] [--cli PATH] [--no-samples] [--css TEXT] [--startup]
//
// --open: after the load, click the list's first trace, then scroll the
// waterfall a screen a frame for --steps frames (trace-view.mjs's "a screen
// a frame"); the tasks and frames of that part are reported too.
// --startup traces the page's start instead (--settle ms of it), no file.
// --css TEXT adds a style sheet to the page, to try a CSS change without a build.
// --no-samples leaves the sampling profiler out: the tasks' true lengths
// (it adds a quarter to script time).
// --save FILE writes the raw trace, which the Performance panel opens.

import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { launchChromium } from "../browser/harness.mjs";
import { serveStatic } from "../../scripts/serve.mjs";
import { INPUTS, ROOT, generatorCli, inputFile, readyPlaywright } from "./peer-kit.mjs";

const opts = { dist: join(ROOT, "dist"), input: "1k", over: 50, settle: 1000, open: false, steps: 40, top: 12, save: null, cli: null, samples: true, css: null, startup: false };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const value = () => args[++i];
  switch (args[i]) {
    case "--dist": opts.dist = resolve(value()); break;
    case "--input": opts.input = value(); break;
    case "--over": opts.over = Number(value()); break;
    case "--settle": opts.settle = Number(value()); break;
    case "--open": opts.open = true; break;
    case "--steps": opts.steps = Number(value()); break;
    case "--top": opts.top = Number(value()); break;
    case "--save": opts.save = resolve(value()); break;
    case "--cli": opts.cli = resolve(value()); break;
    case "--no-samples": opts.samples = false; break;
    case "--css": opts.css = value(); break;
    case "--startup": opts.startup = true; break;
    default: throw new Error(`unknown option ${args[i]} (see the header of tests/bench/load-profile.mjs)`);
  }
}
const input = INPUTS.find((i) => i.name === opts.input);
if (!input) throw new Error(`unknown input ${opts.input}`);
const file = inputFile(input, generatorCli(opts));

const server = await serveStatic(opts.dist, 0);
const browser = await launchChromium();
const page = await browser.newPage();
await page.addInitScript({ path: join(ROOT, "tests", "bench", "peer-probe.js") });
if (opts.css) {
  // A style added to the page, to try a CSS change without a build.
  await page.addInitScript((css) => addEventListener("DOMContentLoaded", () => {
    const style = document.createElement("style");
    style.textContent = css;
    document.head.append(style);
  }), opts.css);
}
const cdp = await page.context().newCDPSession(page);
const events = [];
cdp.on("Tracing.dataCollected", ({ value }) => events.push(...value));
const done = new Promise((ok) => cdp.once("Tracing.tracingComplete", ok));
const traceConfig = {
  includedCategories: [
    "toplevel",
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-devtools.timeline.frame",
    "v8.execute",
    "blink.user_timing",
    ...(opts.samples ? ["disabled-by-default-v8.cpu_profiler"] : []),
    "__metadata",
  ],
};
const url = `http://127.0.0.1:${server.address().port}/`;
if (opts.startup) {
  await cdp.send("Tracing.start", { transferMode: "ReportEvents", traceConfig });
  await page.goto(url);
  await page.waitForTimeout(opts.settle);
} else {
  await page.goto(url);
  await page.getByTestId("file-input").waitFor({ state: "attached" });
  await readyPlaywright(page);
  await page.waitForTimeout(opts.settle);
  await cdp.send("Tracing.start", { transferMode: "ReportEvents", traceConfig });
  await page.getByTestId("file-input").setInputFiles(file);
  await page.waitForFunction(() => window.__peerBench.listPaintedAt !== null && window.__peerBench.findingsPaintedAt !== null, null, { timeout: 240_000, polling: 100 });
  await page.waitForTimeout(opts.settle);
}
let marks = { load: null, open: null };
if (opts.open) {
  await page.evaluate(() => performance.mark("bench: click"));
  await page.getByTestId("trace-link").first().click();
  await page.getByTestId("span-row").first().waitFor();
  await page.waitForTimeout(opts.settle);
  await page.evaluate((steps) => {
    performance.mark("bench: scroll");
    const scroller = document.querySelector('[data-testid="span-scroller"]');
    return new Promise((done) => {
      let n = 0;
      const step = () => {
        scroller.scrollTop += scroller.clientHeight;
        if (++n < steps) requestAnimationFrame(step);
        else done();
      };
      requestAnimationFrame(step);
    });
  }, opts.steps);
  await page.waitForTimeout(300);
}
await cdp.send("Tracing.end");
await done;
await browser.close();
server.close();
if (opts.save) writeFileSync(opts.save, JSON.stringify({ traceEvents: events }));

// The page's renderer main thread: the CrRendererMain of the process that recorded the probe's marks.
const threadNames = new Map(events.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => [`${e.pid}:${e.tid}`, e.args.name]));
const mainKeys = [...threadNames].filter(([, name]) => name === "CrRendererMain").map(([key]) => key);
const onMain = (e) => mainKeys.includes(`${e.pid}:${e.tid}`);
const userMarks = events.filter((e) => e.cat?.includes("blink.user_timing") && onMain(e));
const mainPid = userMarks[0]?.pid;
const main = (e) => onMain(e) && e.pid === mainPid;
const mainTid = events.find((e) => main(e))?.tid;

// Every complete event on the main thread, as intervals (B/E pairs folded into X).
const slices = [];
const open = [];
for (const e of events.filter(main).sort((a, b) => a.ts - b.ts)) {
  if (e.ph === "X") slices.push({ name: e.name, cat: e.cat, ts: e.ts, end: e.ts + (e.dur ?? 0), args: e.args });
  else if (e.ph === "B") open.push(e);
  else if (e.ph === "E") {
    const b = open.pop();
    if (b) slices.push({ name: b.name, cat: b.cat, ts: b.ts, end: e.ts, args: b.args });
  }
}
// The app's measures are async events (b/e with an id) on the user-timing category.
const measures = [];
const begun = new Map();
for (const e of events.filter((e) => e.pid === mainPid && e.cat?.includes("blink.user_timing"))) {
  if (e.ph === "b") begun.set(`${e.name}:${e.id ?? e.id2?.local}`, e);
  if (e.ph === "e") {
    const b = begun.get(`${e.name}:${e.id ?? e.id2?.local}`);
    if (b) measures.push({ name: e.name, ts: b.ts, end: e.ts });
  }
}
const instants = events.filter((e) => e.pid === mainPid && e.cat?.includes("blink.user_timing") && (e.ph === "R" || e.ph === "I" || e.ph === "i" || e.ph === "n"));
const markAt = (name) => instants.find((e) => e.name === name)?.ts ?? null;
marks = { click: markAt("bench: click"), scroll: markAt("bench: scroll") };

// CPU samples of the main thread: ProfileChunk events hold nodes and time deltas.
const profiles = new Map();
for (const e of events) {
  if (e.name === "Profile" && e.pid === mainPid && e.tid === mainTid) profiles.set(e.id, { start: e.args.data.startTime, nodes: new Map(), samples: [] });
}
for (const e of events.filter((e) => e.name === "ProfileChunk" && profiles.has(e.id))) {
  const p = profiles.get(e.id);
  const cpu = e.args.data.cpuProfile ?? {};
  for (const n of cpu.nodes ?? []) p.nodes.set(n.id, n);
  let t = p.samples.length ? p.samples.at(-1).ts : p.start;
  const deltas = e.args.data.timeDeltas ?? [];
  (cpu.samples ?? []).forEach((id, i) => {
    t += deltas[i] ?? 0;
    p.samples.push({ id, ts: t });
  });
}
const fname = (n) => {
  const f = n.callFrame;
  const name = (f.functionName || `(${f.url ? f.url.split("/").pop() : "anonymous"})`).replace(/::h[0-9a-f]{16}/, "");
  return name.length > 110 ? `${name.slice(0, 107)}...` : name;
};

/** Self and total time per function, from the samples between `from` and `to`. */
function functionsWithin(from, to) {
  const self = new Map();
  const total = new Map();
  let count = 0;
  for (const p of profiles.values()) {
    for (const s of p.samples) {
      if (s.ts < from || s.ts > to) continue;
      const top = p.nodes.get(s.id);
      if (!top) continue;
      const name = fname(top);
      if (name === "(idle)" || name === "(program)") continue;
      count++;
      self.set(name, (self.get(name) ?? 0) + 1);
      const seen = new Set();
      for (let n = top; n; n = p.nodes.get(n.parent)) {
        const m = fname(n);
        if (!seen.has(m)) total.set(m, (total.get(m) ?? 0) + 1);
        seen.add(m);
      }
    }
  }
  return { count, self, total };
}

/** Own time per event name inside `task` (time not inside a nested event). */
function breakdown(task) {
  const inside = slices.filter((s) => s !== task && s.ts >= task.ts && s.end <= task.end).sort((a, b) => a.ts - b.ts || b.end - a.end);
  const own = new Map();
  const stack = [{ ...task, child: 0 }];
  const close = (until) => {
    while (stack.length > 1 && stack.at(-1).end <= until) {
      const s = stack.pop();
      own.set(s.name, (own.get(s.name) ?? 0) + (s.end - s.ts - s.child));
      stack.at(-1).child += s.end - s.ts;
    }
  };
  for (const s of inside) {
    close(s.ts);
    stack.push({ ...s, child: 0 });
  }
  close(Infinity);
  own.set(`(${task.name} itself)`, task.end - task.ts - stack[0].child);
  return [...own].filter(([, us]) => us >= 1000).sort((a, b) => b[1] - a[1]);
}

// Top-level tasks only: a RunTask inside another (the scheduler's own nesting) is part of it.
const runTasks = slices.filter((s) => s.name === "RunTask" || s.name === "ThreadControllerImpl::RunTask");
const topLevel = runTasks.filter((t) => !runTasks.some((u) => u !== t && u.ts <= t.ts && u.end >= t.end && (u.ts < t.ts || u.end > t.end || runTasks.indexOf(u) < runTasks.indexOf(t))));
const tasks = topLevel.filter((s) => s.end - s.ts >= opts.over * 1000);
// The change event: the first task that dispatched an event after tracing began is near enough; use the probe's mark instead.
const changeAt = slices.find((s) => s.name === "EventDispatch" && s.args?.data?.type === "change")?.ts ?? null;
const phase = (ts) => (marks.scroll && ts >= marks.scroll ? "scroll" : marks.click && ts >= marks.click ? "open" : "load");
const msOf = (us) => `${(us / 1000).toFixed(1)} ms`;
console.log(`${input.label}, ${opts.dist}: ${tasks.length} main-thread tasks of ${opts.over} ms or more\n`);
for (const task of tasks.sort((a, b) => a.ts - b.ts)) {
  const since = changeAt == null ? "" : `, ${msOf(task.ts - changeAt)} after the change event`;
  console.log(`## ${msOf(task.end - task.ts)} task (${phase(task.ts)}${since})`);
  console.log("  own time by trace event:");
  for (const [name, us] of breakdown(task).slice(0, 10)) console.log(`    ${msOf(us).padStart(9)}  ${name}`);
  // The task's steps: events directly under it, in order (a frame's callbacks, its layout, a timer).
  const under = slices.filter((s) => s !== task && s.ts >= task.ts && s.end <= task.end && s.name !== "RunTask" && s.name !== "ThreadControllerImpl::RunTask");
  const direct = under.filter((s) => !under.some((u) => u !== s && u.ts <= s.ts && u.end >= s.end && (u.ts < s.ts || u.end > s.end)));
  console.log(`  steps: ${direct.filter((s) => s.end - s.ts >= 2000).map((s) => `${s.name} ${msOf(s.end - s.ts)}`).join(", ")}`);
  for (const l of under.filter((s) => s.name === "Layout" && s.end - s.ts >= 5000)) {
    const d = l.args?.beginData ?? {};
    console.log(`  layout ${msOf(l.end - l.ts)}: ${d.dirtyObjects ?? "?"} of ${d.totalObjects ?? "?"} objects dirty, partial ${d.partialLayout ?? "?"}`);
  }
  for (const l of under.filter((s) => s.name === "UpdateLayoutTree" && s.end - s.ts >= 5000)) {
    console.log(`  style ${msOf(l.end - l.ts)}: ${l.args?.elementCount ?? l.args?.data?.elementCount ?? JSON.stringify(l.args).slice(0, 120)}`);
  }
  const held = measures.filter((m) => m.ts >= task.ts && m.end <= task.end);
  if (held.length) console.log(`  measures: ${held.map((m) => `${m.name} ${msOf(m.end - m.ts)}`).join("; ")}`);
  const { count, self, total } = functionsWithin(task.ts, task.end);
  if (count) {
    const pct = (c) => `${((100 * c) / count).toFixed(0).padStart(3)}%`;
    console.log(`  functions (${count} samples): self`);
    for (const [name, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, opts.top)) console.log(`    ${pct(c)}  ${name}`);
    console.log("  total:");
    for (const [name, c] of [...total].sort((a, b) => b[1] - a[1]).slice(0, opts.top * 2)) console.log(`    ${pct(c)}  ${name}`);
    console.log("  total, the app's own functions:");
    const own = [...total].filter(([name]) => name.includes("tracelens")).sort((a, b) => b[1] - a[1]);
    for (const [name, c] of own.slice(0, opts.top * 2)) console.log(`    ${pct(c)}  ${name}`);
  }
  console.log("");
}
console.log("measures during the load:");
for (const m of measures.sort((a, b) => a.ts - b.ts)) console.log(`  ${msOf(m.ts - (changeAt ?? 0)).padStart(9)} +${msOf(m.end - m.ts)}  ${m.name}`);
console.log("");
if (marks.scroll) {
  // Frames while scrolling: the frame-start events of the main thread's compositor are not needed; BeginMainThreadFrame marks each.
  const frames = slices.filter((s) => s.ts >= marks.scroll && (s.name === "BeginMainThreadFrame" || s.name === "FireAnimationFrame"));
  const rafs = frames.filter((s) => s.name === "FireAnimationFrame");
  const at = rafs.map((r) => r.ts).sort((a, b) => a - b);
  const gaps = at.slice(1).map((t, i) => t - at[i]);
  const fps = at.length > 1 ? ((at.length - 1) * 1e6) / (at.at(-1) - at[0]) : 0;
  console.log(`scroll: ${rafs.length} animation frames, ${fps.toFixed(0)} fps, worst ${msOf(Math.max(0, ...gaps))}`);
  const scrollTasks = topLevel.filter((s) => s.ts >= marks.scroll && s.end - s.ts >= 4000);
  const sum = new Map();
  for (const t of scrollTasks) for (const [name, us] of breakdown(t)) sum.set(name, (sum.get(name) ?? 0) + us);
  console.log(`  own time by trace event over ${scrollTasks.length} tasks of 4 ms or more (per step):`);
  for (const [name, us] of [...sum].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`    ${msOf(us / opts.steps).padStart(9)}  ${name}`);
  const end = Math.max(...slices.map((s) => s.end));
  const { count, self, total } = functionsWithin(marks.scroll, end);
  const pct = (c) => `${((100 * c) / count).toFixed(0).padStart(3)}%`;
  console.log(`  functions (${count} samples): self`);
  for (const [name, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, opts.top)) console.log(`    ${pct(c)}  ${name}`);
  console.log("  total:");
  for (const [name, c] of [...total].sort((a, b) => b[1] - a[1]).slice(0, opts.top * 2)) console.log(`    ${pct(c)}  ${name}`);
}
