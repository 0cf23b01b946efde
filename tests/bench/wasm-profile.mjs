// Where one build of the wasm import spends its time: Chromium's sampling
// profiler (the DevTools protocol's Profiler domain) over repeated imports,
// then self and total time per function. Function names survive only in
// builds not run through wasm-opt: see wasm-builds.mjs.
//
//   node tests/bench/wasm-profile.mjs BUILD [SPANS] [CALLS]   # 100000 spans, 10 calls

import { pageWithBuilds } from "./wasm-builds.mjs";

const [build, spans = "100000", calls = "10"] = process.argv.slice(2);
if (!build) throw new Error("usage: node tests/bench/wasm-profile.mjs BUILD [SPANS] [CALLS]");
const { page, close } = await pageWithBuilds([build], Number(spans));
await page.evaluate(() => {
  for (let i = 0; i < 8; i++) window.builds[0].importForBenchmark(window.bytes);
});
const cdp = await page.context().newCDPSession(page);
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
await cdp.send("Profiler.start");
await page.evaluate((calls) => {
  for (let i = 0; i < calls; i++) window.builds[0].importForBenchmark(window.bytes);
}, Number(calls));
const { profile } = await cdp.send("Profiler.stop");
await close();

// Self time: the function on top of each sample; total: every function on its stack.
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const name = (n) => (n.callFrame.functionName || "(anonymous)").replace(/::h[0-9a-f]{16}/, "");
const self = new Map();
const total = new Map();
for (const sample of profile.samples) {
  const top = name(nodes.get(sample));
  self.set(top, (self.get(top) ?? 0) + 1);
  const seen = new Set();
  for (let id = sample; id !== undefined; id = parent.get(id)) {
    const n = name(nodes.get(id));
    if (!seen.has(n)) total.set(n, (total.get(n) ?? 0) + 1);
    seen.add(n);
  }
}
const pct = (count) => ((100 * count) / profile.samples.length).toFixed(1).padStart(5);
console.log("  self  total  function");
for (const [fn, count] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 30)) {
  console.log(`${pct(count)}  ${pct(total.get(fn) ?? 0)}  ${fn.slice(0, 120)}`);
}
