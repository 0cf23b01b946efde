// Two builds of the wasm import, side by side in one Chromium page: each
// round times build A, build B and JSON.parse in turn, each after a full
// garbage collection. The verdict is the median of the rounds' own B/A
// ratios, which holds up on a shared machine where whole rounds slow down.
// How to make a build: see wasm-builds.mjs.
//
//   node tests/bench/wasm-ab.mjs BUILD_A BUILD_B [SPANS] [ROUNDS]   # 100000 spans, 25 rounds
//
// Running A against itself shows the noise (within 1-2% here).

import { pageWithBuilds } from "./wasm-builds.mjs";

const [a, b, spans = "100000", rounds = "25"] = process.argv.slice(2);
if (!a || !b) throw new Error("usage: node tests/bench/wasm-ab.mjs BUILD_A BUILD_B [SPANS] [ROUNDS]");
const { page, close } = await pageWithBuilds([a, b], Number(spans));
const r = await page.evaluate((rounds) => {
  const [A, B] = window.builds;
  const timed = (f) => {
    window.gc();
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  // Warm-up: V8 tiers wasm up in the background over the first calls.
  for (let i = 0; i < 8; i++) {
    A.importForBenchmark(window.bytes);
    B.importForBenchmark(window.bytes);
    JSON.parse(window.text);
  }
  const t = { a: [], b: [], parse: [] };
  for (let i = 0; i < rounds; i++) {
    t.a.push(timed(() => A.importForBenchmark(window.bytes)));
    t.b.push(timed(() => B.importForBenchmark(window.bytes)));
    t.parse.push(timed(() => JSON.parse(window.text)));
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  return {
    a: median(t.a),
    b: median(t.b),
    parse: median(t.parse),
    ratio: median(t.b.map((x, i) => x / t.a[i])),
    parseOverA: median(t.parse.map((x, i) => x / t.a[i])),
    parseOverB: median(t.parse.map((x, i) => x / t.b[i])),
  };
}, Number(rounds));
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`A ${ms(r.a)}   B ${ms(r.b)}   JSON.parse ${ms(r.parse)}   (medians of ${rounds} rounds)`);
console.log(`B/A ${r.ratio.toFixed(3)}   JSON.parse/A ${r.parseOverA.toFixed(2)}×   JSON.parse/B ${r.parseOverB.toFixed(2)}×`);
await close();
