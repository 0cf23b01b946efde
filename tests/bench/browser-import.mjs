// Browser benchmark: the wasm import of OTLP JSON against the browser's own
// JSON.parse of the same bytes, in the same page of headless Chromium, at 10k,
// 100k and 1M spans. Run after a release build (./dev test or ./dev serve):
//
//   node tests/bench/browser-import.mjs [SPANS...]
//
// Prints a Markdown table of medians and ratios for BENCHMARKS.md. The timed
// work per run: JSON.parse(text) alone; TextDecoder + JSON.parse (what a
// JavaScript viewer must do with a dropped file); importForBenchmark(bytes),
// which copies the bytes into wasm memory, detects the format, parses and
// builds the full model; and importAndAnalyseForBenchmark(bytes), the same
// followed by the full analysis (the analysis time is the difference).

import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "../../scripts/serve.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const SPANS = sizes.length ? sizes : [10_000, 100_000, 1_000_000];
// Rounds per size: many for the small sizes, whose times move most with
// the machine's load; fewer for 1M spans, where each round takes seconds.
const roundsFor = (spans) => (spans <= 100_000 ? 21 : 9);

const data = mkdtempSync(join(tmpdir(), "tracelens-bench-"));
for (const spans of SPANS) {
  // The shop with its default patterns averages about nine spans per trace:
  // ask for a few more traces so the file holds at least `spans` spans.
  const traces = String(Math.ceil(spans / 8.5));
  const json = execFileSync(
    "cargo",
    ["run", "-q", "--release", "-p", "tracelens-cli", "--", "generate", "--compact", "--traces", traces],
    { cwd: ROOT, maxBuffer: 2 ** 31 - 1 },
  );
  writeFileSync(join(data, `${spans}.json`), json);
}

const server = await serveStatic(join(ROOT, "dist"), 0, { "/bench-data/": data });
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // --expose-gc: each timed call starts after a full collection, so none pays
  // for the garbage the one before it left (JSON.parse leaves a lot).
  args: ["--js-flags=--expose-gc", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const page = await browser.newPage();
await page.goto(`${origin}/`);
await page.waitForFunction(() => window.wasmBindings?.importForBenchmark);

console.log(`Chromium ${browser.version()}; medians of each time, and the median of each round's own speed-up.\n`);
console.log(
  "| spans | MB | JSON.parse | decode + JSON.parse | wasm import | import speed-up vs JSON.parse | vs decode + parse | wasm analysis | analysis / import |",
);
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const spans of SPANS) {
  const result = await page.evaluate(
    async ({ url, runs }) => {
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const text = new TextDecoder().decode(bytes);
      const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const timed = (f) => {
        window.gc();
        const t0 = performance.now();
        f();
        return performance.now() - t0;
      };
      let kept = 0;
      // Warm up first: V8 compiles wasm in tiers (in the background, so the
      // optimised code arrives a few calls later), and JSON.parse's heap grows
      // over its first calls. At 10k spans both settle after about eight
      // calls (measured: wasm 64, 17, 14 ... then 8-11 ms; JSON.parse 104, 65,
      // 40 ... then 16-26 ms). Ten calls each, or three for sizes where ten
      // would take more than a few seconds.
      const warmUntil = performance.now() + 5000;
      for (let i = 0; i < 10 && (i < 3 || performance.now() < warmUntil); i++) {
        JSON.parse(text);
        window.wasmBindings.importAndAnalyseForBenchmark(bytes);
      }
      // Each round runs all four in turn, so the machine's load at any moment
      // affects them alike; the speed-ups are each round's own ratios (their
      // median cancels the load that slows a whole round), the analysis each
      // round's difference.
      const t = { parse: [], decodeParse: [], wasm: [], analysis: [] };
      for (let i = 0; i < runs; i++) {
        t.parse.push(timed(() => JSON.parse(text)));
        t.decodeParse.push(timed(() => JSON.parse(new TextDecoder().decode(bytes))));
        const wasm = timed(() => {
          kept = window.wasmBindings.importForBenchmark(bytes);
        });
        t.wasm.push(wasm);
        t.analysis.push(timed(() => window.wasmBindings.importAndAnalyseForBenchmark(bytes)) - wasm);
      }
      const ratios = (xs) => median(xs.map((x, i) => x / t.wasm[i]));
      return {
        mb: bytes.length / 1e6,
        parse: median(t.parse),
        decodeParse: median(t.decodeParse),
        wasm: median(t.wasm),
        speedUp: ratios(t.parse),
        speedUpDecode: ratios(t.decodeParse),
        analysis: Math.max(0, median(t.analysis)),
        kept,
      };
    },
    { url: `/bench-data/${spans}.json`, runs: roundsFor(spans) },
  );
  if (result.kept < spans) throw new Error(`imported ${result.kept} spans, expected at least ${spans}`);
  const ms = (x) => `${x.toFixed(0)} ms`;
  console.log(
    `| ${spans.toLocaleString("en")} | ${result.mb.toFixed(0)} | ${ms(result.parse)} | ${ms(result.decodeParse)} | ${ms(result.wasm)} | ${result.speedUp.toFixed(2)}× | ${result.speedUpDecode.toFixed(2)}× | ${ms(result.analysis)} | ${(result.analysis / result.wasm).toFixed(2)} |`,
  );
}
await browser.close();
server.close();
