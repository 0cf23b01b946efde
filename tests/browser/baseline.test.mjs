// Comparing with an earlier period: this sprint's traces loaded as usual,
// last sprint's added as the baseline. The numbers on the page must be the
// core's: the test runs the CLI on the same files and compares.
//
// The traces are generated here: two healthy shops from different seeds (noise
// only), the current one with every span of the `GET /api/cart` traces moved
// 1.5× as far from its trace's start, so that endpoint and all under it is
// uniformly slower and nothing else is.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { dropFiles, fixturePath, fixtureText, startSite, textOf } from "./harness.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SLOWER = "GET /api/cart";
const TRUNCATED = "broken/truncated.otlp.json";

function tracelens(...args) {
  return execFileSync("cargo", ["run", "-q", "-p", "tracelens-cli", "--", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
}

function generate(out, seed, traces) {
  tracelens("generate", "--compact", "--patterns", "none", "--traces", String(traces), "--seed", String(seed), "--out", out);
}

/** Every span of the traces whose root span is named `root` moved `factor` times as far from the trace's start. */
function stretch(input, output, root, factor) {
  const doc = JSON.parse(readFileSync(input, "utf8"));
  const spans = doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const starts = new Map(
    spans.filter((s) => !s.parentSpanId && s.name === root).map((s) => [s.traceId, BigInt(s.startTimeUnixNano)]),
  );
  assert.ok(starts.size > 20, `traces of ${root} to stretch`);
  const [times, per] = [BigInt(Math.round(factor * 1000)), 1000n];
  for (const span of spans) {
    const start = starts.get(span.traceId);
    if (start === undefined) continue;
    const at = (t) => String(start + ((BigInt(t) - start) * times) / per);
    span.startTimeUnixNano = at(span.startTimeUnixNano);
    span.endTimeUnixNano = at(span.endTimeUnixNano);
  }
  writeFileSync(output, JSON.stringify(doc));
}

let site;
const files = {};
let expected; // the CLI's JSON for the current file against the baseline
let expectedSmall; // …against the small baseline
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "tracelens-baseline-"));
  Object.assign(files, {
    baseline: join(dir, "last-sprint.json"),
    healthy: join(dir, "healthy.json"),
    current: join(dir, "this-sprint.json"),
    small: join(dir, "small-baseline.json"),
  });
  generate(files.baseline, 1, 300);
  generate(files.healthy, 2, 300);
  generate(files.small, 3, 40);
  stretch(files.healthy, files.current, SLOWER, 1.5);
  expected = JSON.parse(tracelens("analyze", "--format", "json", files.current, "--baseline", files.baseline));
  expectedSmall = JSON.parse(tracelens("analyze", "--format", "json", files.current, "--baseline", files.small));
  site = await startSite();
});
after(async () => {
  await site?.close();
});

/** See `onPage` in harness.mjs. */
const onPage = (body) => site.onPage(body);

const count = (n) => n.toLocaleString("en-US");

/** The comparison table as the CLI's rows: keyed by endpoint, operation and service. */
async function shownRows(page) {
  return page.getByTestId("comparison-row").evaluateAll((rows) =>
    rows.map((row) => {
      const cell = (id) => row.querySelector(`[data-testid="${id}"]`).innerText.trim();
      return {
        key: [row.dataset.kind, cell("compared-endpoint"), row.dataset.kind === "endpoint" ? "" : cell("compared-operation"), cell("compared-service")].join(" | "),
        verdict: row.dataset.verdict,
        shown: cell("verdict"),
        ns: [row.dataset.baselineP50Ns, row.dataset.currentP50Ns, row.dataset.baselineP95Ns, row.dataset.currentP95Ns].map(Number),
        count: cell("compared-count"),
        p50: cell("compared-p50"),
        p50Change: cell("compared-p50-change"),
        p95: cell("compared-p95"),
        p95Change: cell("compared-p95-change"),
      };
    }),
  );
}

function keyOf(row) {
  return [row.kind, row.endpoint, row.kind === "endpoint" ? "" : row.name, row.service].join(" | ");
}

test("a baseline of an earlier period shows what got slower; removing it restores the page", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(files.current);
    await page.getByTestId("overview").waitFor();
    const spans = await textOf(page, "span-count");
    assert.equal(spans, count(expected.overview.spans));
    assert.equal(await page.getByTestId("comparison").count(), 0, "no comparison without a baseline");
    // The findings come after the list (the detectors run after it is sent).
    await page.getByTestId("no-findings").waitFor();
    assert.equal(await page.getByTestId("finding").count(), 0, "a healthy shop has no finding of its own");
    const offer = page.getByTestId("baseline");
    assert.match(await offer.innerText(), /Compare with an earlier period…/);

    // Dropped on the baseline box, the files become the baseline, and the overlay says so.
    await dropFiles(page, [{ name: "last-sprint.json", text: readFileSync(files.baseline, "utf8") }], {
      onto: "baseline",
      checkOverlay: async () => assert.match(await textOf(page, "drop-overlay"), /as the baseline/),
    });
    await page.getByTestId("comparison").waitFor();
    assert.equal(await page.getByTestId("drop-overlay").count(), 0);

    // What the baseline is, and that the current traces did not change.
    const comparison = expected.comparison;
    assert.match(
      await textOf(page, "baseline-summary"),
      new RegExp(
        `^1 file \\(last-sprint\\.json\\): ${count(comparison.baseline_spans)} spans in ${count(comparison.baseline_traces)} traces, 2026-\\S+ \\S+ → 2026-\\S+ \\S+ \\(.+\\) UTC\\.$`,
      ),
    );
    assert.equal(comparison.baseline_spans, expected.baseline_files[0].spans_kept);
    assert.equal(await textOf(page, "span-count"), spans);
    assert.equal(await textOf(page, "file-count"), "1");
    assert.match(await textOf(page, "current-title"), /^Current traces/);
    await page.getByText("Import report per baseline file").click();
    assert.match(await page.getByTestId("baseline").getByTestId("file-report").innerText(), /^last-sprint\.json\s+OTLP JSON\s/);

    // The slower rows come first, all of them under GET /api/cart, the endpoint itself first.
    const regressions = comparison.rows.filter((r) => r.verdict === "regression");
    assert.ok(regressions.length >= 2);
    assert.ok(regressions.every((r) => r.endpoint === SLOWER), "only the stretched endpoint regressed");
    assert.ok(!comparison.rows.some((r) => r.verdict === "improvement"));
    let rows = await shownRows(page);
    assert.deepEqual(rows.map((r) => r.key).sort(), regressions.map(keyOf).sort(), "only the changed rows at first");
    assert.equal(rows[0].key, `endpoint | ${SLOWER} |  | frontend`);
    assert.ok(rows.every((r) => r.shown === "slower"));
    assert.equal(
      await textOf(page, "comparison-tally"),
      `${regressions.length} slower · ${comparison.rows.length - regressions.length} no change`,
    );

    // The one finding is the endpoint's regression, as the core words it; the table shows its numbers.
    await page.getByTestId("finding").first().waitFor();
    assert.deepEqual(
      await page.locator('[data-testid="finding"] .detector').allInnerTexts(),
      expected.findings.map((f) => f.detector),
    );
    assert.deepEqual(expected.findings.map((f) => f.detector), ["regression"]);
    const finding = page.getByTestId("finding").filter({ hasText: "regression" });
    assert.equal(await finding.locator(".finding-kind strong").innerText(), "Regression");
    const explanation = expected.findings[0].explanation;
    assert.equal(await finding.getByTestId("finding-explanation").innerText(), explanation.replaceAll("`", ""));
    assert.equal(await finding.getByTestId("finding-example").count(), 1);
    const [, p50From, p50To, p50Change, p95From, p95To, p95Change, now, then] = explanation.match(
      /^`GET \/api\/cart` got slower: p50 rose from (\S+) to (\S+) \((\S+)\), p95 from (\S+) to (\S+) \((\S+)\); (\d+) requests against (\d+) in the baseline/,
    );
    assert.deepEqual(
      [rows[0].p50, rows[0].p50Change, rows[0].p95, rows[0].p95Change, rows[0].count],
      [`${p50From} → ${p50To}`, p50Change, `${p95From} → ${p95To}`, p95Change, `${then} → ${now}`],
    );

    // Every row, once the unchanged ones are shown: the same verdicts and durations as the core's.
    await page.getByTestId("toggle-unchanged").click();
    rows = await shownRows(page);
    assert.equal(rows.length, comparison.rows.length);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    for (const row of comparison.rows) {
      const shown = byKey.get(keyOf(row));
      assert.ok(shown, keyOf(row));
      assert.equal(shown.verdict, row.verdict, keyOf(row));
      assert.deepEqual(shown.ns, [row.baseline.p50, row.current.p50, row.baseline.p95, row.current.p95], keyOf(row));
      assert.equal(shown.count, `${count(row.baseline.count)} → ${count(row.current.count)}`, keyOf(row));
    }
    assert.deepEqual(
      rows.map((r) => r.verdict),
      [...regressions.map(() => "regression"), ...comparison.rows.filter((r) => r.verdict !== "regression").map((r) => r.verdict)],
      "changed rows first",
    );

    // Removing the baseline takes the comparison and its finding away; the current traces stay.
    await page.getByTestId("clear-baseline").click();
    await page.getByTestId("comparison").waitFor({ state: "detached" });
    await page.getByTestId("no-findings").waitFor();
    assert.equal(await page.getByTestId("finding").count(), 0);
    assert.equal(await page.getByTestId("baseline-summary").count(), 0);
    assert.equal(await page.getByTestId("current-title").count(), 0);
    assert.match(await textOf(page, "baseline"), /Compare with an earlier period…/);
    assert.equal(await textOf(page, "span-count"), spans);
  }));

test("a broken baseline file gets its message in the baseline box; the rest loads and the current traces stay", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(files.current);
    await page.getByTestId("overview").waitFor();
    const spans = await textOf(page, "span-count");
    await page.getByTestId("baseline-input").setInputFiles([fixturePath(TRUNCATED), files.small]);
    await page.getByTestId("comparison").waitFor();
    const message = page.getByTestId("baseline").getByTestId("baseline-load-error");
    assert.match(
      await message.innerText(),
      /^truncated\.otlp\.json: invalid OTLP JSON at line 31, column 25 \(resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.spanId\)/,
    );
    assert.equal(await page.getByTestId("load-error").count(), 0, "not shown as a current file's failure");
    assert.match(await textOf(page, "baseline-summary"), /^1 file \(small-baseline\.json\): /);
    assert.equal(await textOf(page, "span-count"), spans);
    assert.equal(await textOf(page, "file-count"), "1");

    // A baseline of 40 traces: most rows have too few samples, and say so.
    const verdicts = expectedSmall.comparison.rows.map((r) => r.verdict);
    const few = verdicts.filter((v) => v === "too_few_samples").length;
    assert.ok(few > 0 && !verdicts.includes("regression"));
    await page.getByTestId("no-change").waitFor();
    assert.match(await page.getByTestId("toggle-unchanged").innerText(), new RegExp(`and ${few} with too few samples$`));
    await page.getByTestId("toggle-unchanged").click();
    const rows = await shownRows(page);
    assert.deepEqual(rows.map((r) => r.verdict).sort(), [...verdicts].sort());
    const notJudged = rows.filter((r) => r.verdict === "too_few_samples");
    assert.ok(notJudged.every((r) => r.shown === "too few samples" && r.p50Change === "" && r.p95Change === ""));

    // Dropping on the page still adds current files, and the baseline stays.
    await dropFiles(page, [{ name: "hotrod.json", text: fixtureText("otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json") }]);
    await page.waitForFunction(() => document.querySelector('[data-testid="file-count"]')?.textContent === "2");
    assert.match(await textOf(page, "baseline-summary"), /^1 file \(small-baseline\.json\): /);
    assert.equal(await page.getByTestId("comparison").count(), 1);
    // Clear forgets both.
    await page.getByTestId("clear").click();
    await page.getByTestId("drop-zone").waitFor();
    assert.equal(await page.getByTestId("baseline").count(), 0);
    assert.equal(await page.getByTestId("baseline-load-error").count(), 0);
  }));

test("the service map marks the calls that got slower than in the baseline, and only those", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(files.current);
    await page.getByTestId("overview").waitFor();
    await dropFiles(page, [{ name: "last-sprint.json", text: readFileSync(files.baseline, "utf8") }], { onto: "baseline" });
    await page.getByTestId("comparison").waitFor();
    await page.getByTestId("open-service-map").click();
    await page.getByTestId("service-edge").first().waitFor();
    const marked = await page
      .locator('[data-testid="service-edge"].worse, [data-testid="service-edge"].better')
      .evaluateAll((els) => els.map((e) => ({ edge: `${e.dataset.caller}->${e.dataset.callee}`, worse: e.classList.contains("worse") })));
    assert.ok(marked.length >= 1, "the stretched cart calls are marked");
    for (const { edge, worse } of marked) {
      assert.ok(worse, `${edge} got slower, not faster`);
      // Only GET /api/cart's traces were stretched: every marked call is the cart's.
      assert.ok(edge.split("->").includes("cart"), `${edge} is a call of the cart`);
    }
    const edge = marked[0].edge.split("->");
    await page.locator(`[data-testid="service-edge"][data-caller="${edge[0]}"][data-callee="${edge[1]}"]`).dispatchEvent("click");
    assert.match(await textOf(page, "service-panel"), /Change\s+▲ slower/);
  }));
