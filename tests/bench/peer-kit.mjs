// What the browser benchmarks on the peer inputs share (peer.mjs: loading a
// file against Jaeger UI's numbers; trace-view.mjs: opening one big trace):
// the inputs and their generation with the CLI, the common options, a fresh
// browser per round with what its page says went wrong, long tasks within a
// window, and the medians and units of the tables.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { serveStatic } from "../../scripts/serve.mjs";
import { launchChromium } from "../browser/harness.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The five inputs, smallest first: traces × spans per trace; then the heavy ones. */
export const INPUTS = [
  { name: "1k", label: "one trace of 1,000 spans", traces: 1, spans: 1_000 },
  { name: "10k", label: "one trace of 10,000 spans", traces: 1, spans: 10_000 },
  { name: "100k", label: "one trace of 100,000 spans", traces: 1, spans: 100_000 },
  { name: "1000x50", label: "1,000 traces × 50 spans", traces: 1_000, spans: 50 },
  { name: "10000x50", label: "10,000 traces × 50 spans", traces: 10_000, spans: 50 },
  // Run only when named (--inputs): what the issue asks to record beyond its
  // table, a trace list of 100,000 rows to scroll and a 1 GB file.
  { name: "100000x3", label: "100,000 traces × 3 spans", traces: 100_000, spans: 3, heavy: true },
  { name: "20000x50", label: "20,000 traces × 50 spans (1 GB)", traces: 20_000, spans: 50, heavy: true },
];

/**
 * Reads the options every peer benchmark takes (--inputs, --rounds, --dist,
 * --timeout, --json, --wait-load, --cli) and the script's own: `own` maps a
 * flag to a function `(given, value)` that sets it, where `value()` takes
 * the flag's argument. `defaults` holds the script's defaults, `inputs`
 * the names run when --inputs is not given. `script` names the file whose
 * header documents the options, for the error message.
 */
export function parseOptions(argv, { script, defaults = {}, own = {}, inputs }) {
  const given = {
    inputs: null,
    rounds: 3,
    dist: join(ROOT, "dist"),
    timeoutS: 180,
    json: null,
    waitLoad: null,
    cli: null,
    ...defaults,
  };
  const common = {
    "--inputs": (g, value) => (g.inputs = value().split(",")),
    "--rounds": (g, value) => (g.rounds = Number(value())),
    "--dist": (g, value) => (g.dist = resolve(value())),
    "--timeout": (g, value) => (g.timeoutS = Number(value())),
    "--json": (g, value) => (g.json = resolve(value())),
    "--wait-load": (g, value) => (g.waitLoad = Number(value())),
    "--cli": (g, value) => (g.cli = resolve(value())),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    const set = own[arg] ?? common[arg];
    if (!set) throw new Error(`unknown option ${arg} (see the header of tests/bench/${script})`);
    set(given, value);
  }
  const names = given.inputs ?? inputs(given);
  const unknown = names.filter((name) => !INPUTS.some((input) => input.name === name));
  if (unknown.length) throw new Error(`unknown input ${unknown.join(", ")}; known: ${INPUTS.map((i) => i.name).join(", ")}`);
  if (!(given.rounds >= 1)) throw new Error("--rounds must be at least 1");
  if (!existsSync(join(given.dist, "index.html"))) throw new Error(`no site at ${given.dist}: build one (./dev serve) or pass --dist`);
  if (given.cli && !existsSync(given.cli)) throw new Error(`no CLI at ${given.cli}`);
  return { ...given, inputs: INPUTS.filter((input) => names.includes(input.name)) };
}

/**
 * The CLI that writes the inputs: `--cli PATH` as given, else this
 * checkout's release build, built (or brought up to date) first.
 */
export function generatorCli(opts) {
  if (opts.cli) return opts.cli;
  execFileSync("cargo", ["build", "-q", "--release", "-p", "tracelens-cli"], { cwd: ROOT, stdio: "inherit" });
  return join(ROOT, "target", "release", "tracelens");
}

/** The input's file, generated unless one newer than the CLI binary exists. */
export function inputFile(input, cli) {
  const dir = join(ROOT, "target", "bench-peer");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `peer-${input.traces}x${input.spans}.json`);
  if (!existsSync(file) || statSync(file).mtimeMs < statSync(cli).mtimeMs) {
    const args = ["generate", "--scenario", "peer", "--format", "jaeger"];
    execFileSync(cli, [...args, "--traces", String(input.traces), "--spans-per-trace", String(input.spans), "--out", file]);
  }
  return file;
}

/**
 * Runs `round(origin, file, opts)` `opts.rounds` times per input, each
 * after `--wait-load`'s wait, and prints a Markdown table: `columns` are
 * `[heading, numeric]` pairs, `row(input, bytes, rounds)` gives a row's
 * cells. `note` ends the first line. With --json, every round is written
 * to that file, beside `extra`.
 */
export async function runInputs(opts, { columns, round, row, note = "", extra = {} }) {
  const cli = generatorCli(opts);
  const server = await serveStatic(opts.dist, 0);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const chromium = await launchChromium().then(async (b) => [b.version(), await b.close()][0]);
  console.log(`Chromium ${chromium}, site ${opts.dist}; medians of ${opts.rounds} fresh browsers per input${note}.\n`);
  console.log(`| ${columns.map(([heading]) => heading).join(" | ")} |`);
  console.log(`|${columns.map(([, numeric]) => (numeric ? "---:" : "---")).join("|")}|`);
  const report = [];
  for (const input of opts.inputs) {
    const file = inputFile(input, cli);
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
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ chromium, dist: opts.dist, ...extra, inputs: report }, null, 2));
}

/**
 * Has Playwright put its own script into the page's main world now, before
 * what is measured. `waitForFunction` evaluates its 330 KB helper script
 * there the first time it is called: called right after the file is set, that
 * was a 10-15 ms task on the page's main thread in the middle of the load,
 * in the benchmark's bill rather than the page's.
 */
export async function readyPlaywright(page) {
  await page.waitForFunction(() => true);
}

/** Waits (up to 10 minutes) for the 1-minute load average to fall to `most`. */
export async function quietMachine(most) {
  const until = Date.now() + 600_000;
  while (most != null && loadavg()[0] > most && Date.now() < until) await new Promise((ok) => setTimeout(ok, 5000));
}

/**
 * Keeps what a page says went wrong, to tell a failed round's cause:
 * `errors` (its uncaught errors and console errors) and `crashed()`.
 */
export function watchPage(page) {
  let crashed = false;
  const errors = [];
  page.on("crash", () => (crashed = true));
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  return { errors, crashed: () => crashed };
}

/** Why a wait for the page failed, in a few words. */
export function failureOf(error, watch, timeoutS) {
  if (watch.crashed()) return "the tab crashed";
  return /Timeout/i.test(error.message) ? `no result within ${timeoutS} s` : error.message.split("\n")[0];
}

/**
 * The long tasks (`{ start, duration }`, page milliseconds) that overlap
 * `from`..`to`: how many, and the longest. `tasks` null (no Long Tasks API)
 * gives nulls, which read as unknown rather than none.
 */
export function longTasksWithin(tasks, from, to = Infinity) {
  if (!tasks) return { longTasks: null, longestTaskMs: null };
  const during = tasks.filter((t) => t.start + t.duration >= from && t.start <= to);
  return { longTasks: during.length, longestTaskMs: Math.max(0, ...during.map((t) => t.duration)) };
}

export const median = (xs) => {
  const sorted = xs.filter((x) => x != null).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null;
};
export const ms = (x) => (x == null ? "–" : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x).toLocaleString("en")} ms`);
export const mb = (bytes) => (bytes == null ? "–" : `${Math.round(bytes / 1e6).toLocaleString("en")} MB`);

/** The 1-minute load averages when the rounds started, as a note. */
export const loadRange = (rounds) => {
  const loads = rounds.map((r) => r.load);
  return `load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`;
};

/** The distinct failures of `rounds`, each with how many rounds it ended. */
export const failuresOf = (rounds) => {
  const failed = rounds.filter((r) => !r.ok);
  return [...new Set(failed.map((r) => r.failure))].map((f) => `${f} (${failed.filter((r) => r.failure === f).length} of ${rounds.length})`);
};
