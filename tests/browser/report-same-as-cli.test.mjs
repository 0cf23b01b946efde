// The app makes its report from what its analysis already built (the index,
// the durations, the baseline's) instead of analysing everything again; the
// result must still be the report the CLI makes from the same files. Each
// case downloads the app's JSON and compares it whole with
// `tracelens report --out report.json`: without a baseline, against
// baseline traces, and against a previous report. The traces are generated:
// a healthy shop as last period, the shop with its patterns planted as this
// one. Set TRACELENS_BIN to a built `tracelens` to skip `cargo run`.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { dropFiles, startSite } from "./harness.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;

function tracelens(...args) {
  const [command, prefix] = process.env.TRACELENS_BIN
    ? [process.env.TRACELENS_BIN, []]
    : ["cargo", ["run", "-q", "-p", "tracelens-cli", "--"]];
  return execFileSync(command, [...prefix, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

let site;
let dir;
const files = {};
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tracelens-same-"));
  files.last = join(dir, "last-sprint.json");
  files.now = join(dir, "this-sprint.json");
  tracelens("generate", "--compact", "--patterns", "none", "--traces", "300", "--seed", "1", "--out", files.last);
  tracelens("generate", "--compact", "--patterns", "all", "--traces", "300", "--seed", "2", "--out", files.now);
  site = await startSite();
});
after(async () => {
  await site?.close();
});

/**
 * A report JSON with the files named as the page names them: the CLI names
 * a file by its path, the page by its name (a previous report made by the
 * CLI carries its paths into the page's report too).
 */
function parse(text) {
  const names = new Map(Object.values(files).map((p) => [p, basename(p)]));
  return JSON.parse(text, (_, value) => (typeof value === "string" ? (names.get(value) ?? value) : value));
}

/** The CLI's report JSON for `args`. */
function cliReport(...args) {
  const out = join(dir, `cli-${Math.random().toString(36).slice(2)}.json`);
  tracelens("report", ...args, "--out", out);
  return parse(readFileSync(out, "utf8"));
}

const dropped = (path) => ({ name: basename(path), text: readFileSync(path, "utf8") });

/** Loads this sprint, opens the report and returns its JSON download. */
async function appReport(page, { baselineTraces, previous } = {}) {
  await dropFiles(page, [dropped(files.now)]);
  await page.getByTestId("overview").waitFor();
  if (baselineTraces) {
    await dropFiles(page, [dropped(baselineTraces)], { onto: "baseline" });
    await page.getByTestId("comparison").waitFor();
  }
  await page.getByTestId("open-report").click();
  await page.getByTestId("report-finding").first().waitFor();
  if (previous) {
    await dropFiles(page, [{ name: "previous.json", text: previous }], { onto: "report-baseline-drop" });
    await page.waitForFunction(() => document.querySelector('[data-testid="report-finding"]')?.dataset.status);
  }
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId("report-download-json").click()]);
  return parse(readFileSync(await file.path(), "utf8"));
}

test("without a baseline, the app's report is the CLI's", () =>
  site.onPage(async (page) => {
    assert.deepEqual(await appReport(page), cliReport(files.now));
  }));

test("against baseline traces, the app's report is the CLI's", () =>
  site.onPage(async (page) => {
    const app = await appReport(page, { baselineTraces: files.last });
    const cli = cliReport(files.now, "--baseline", files.last);
    assert.ok(cli.findings.some((f) => f.status === "new"), "the baseline's own findings give statuses");
    assert.deepEqual(app, cli);
  }));

test("against a previous report, the app's report is the CLI's", () =>
  site.onPage(async (page) => {
    const previousPath = join(dir, "previous.json");
    tracelens("report", files.last, "--out", previousPath);
    const app = await appReport(page, { previous: readFileSync(previousPath, "utf8") });
    const cli = cliReport(files.now, "--baseline", previousPath);
    assert.equal(cli.header.baseline.source, "report");
    assert.deepEqual(app, cli);
  }));
