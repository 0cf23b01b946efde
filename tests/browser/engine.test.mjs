// The engine in its worker, as a person meets it: a big file shows progress
// and can be cancelled without losing what was loaded; a clear during a load
// lets no late file in; a dead engine leaves a usable page that offers to
// start again; a reload brings the files back; back and forward move between
// views; the trace list filters and sorts from its address.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fixturePath, listAnswered, startSite, textOf } from "./harness.mjs";

const HOTROD = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";
const GENAI = "jaeger-ui-json/jaegerui__genaiTestTrace.json";

let site;
let bigFile;
before(async () => {
  site = await startSite();
  bigFile = await writeBigFile(600_000);
});
after(async () => {
  await site?.close();
  // 220 MB a run: repeated runs once filled a machine's disk.
  if (bigFile) rmSync(dirname(bigFile), { recursive: true, force: true });
});

const onPage = (body) => site.onPage(body);

/**
 * An OTLP JSON file of `spans` spans (10 per trace, about 220 MB), written
 * to a temporary folder: big enough that its load takes seconds, so the test
 * sees it under way.
 */
async function writeBigFile(spans) {
  const path = join(mkdtempSync(join(tmpdir(), "tracelens-engine-")), "big.otlp.json");
  const out = createWriteStream(path);
  const write = (text) => (out.write(text) ? Promise.resolve() : new Promise((done) => out.once("drain", done)));
  const hex = (n, width) => n.toString(16).padStart(width, "0");
  const start = 1_700_000_000_000_000_000n;
  await write('{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"big"}}]},"scopeSpans":[{"spans":[');
  for (let i = 0; i < spans; i++) {
    const trace = Math.floor(i / 10);
    const root = i % 10 === 0;
    const begin = start + BigInt(trace) * 1_000_000_000n + BigInt(i % 10) * 1_000_000n;
    const span = {
      traceId: hex(trace + 1, 32),
      spanId: hex(i + 1, 16),
      ...(root ? {} : { parentSpanId: hex(trace * 10 + 1, 16) }),
      name: root ? "GET /big" : `SELECT ${i % 7}`,
      kind: root ? 2 : 3,
      startTimeUnixNano: String(begin),
      endTimeUnixNano: String(begin + (root ? 20_000_000n : 500_000n)),
      attributes: [
        { key: "http.request.method", value: { stringValue: "GET" } },
        { key: "db.statement", value: { stringValue: `SELECT * FROM t${i % 13} WHERE id = ${i}` } },
      ],
    };
    await write((i ? "," : "") + JSON.stringify(span));
  }
  await write("]}]}]}");
  await new Promise((done) => out.end(done));
  return path;
}

/** Loads a small file and waits for its analysis. */
async function loadSmall(page, fixture = HOTROD) {
  await page.getByTestId("file-input").setInputFiles(fixturePath(fixture));
  await page.getByTestId("overview").waitFor();
}

test("a big file shows its progress and can be cancelled; the files loaded before stay", () =>
  onPage(async (page) => {
    await loadSmall(page);
    assert.equal(await textOf(page, "span-count"), "40");
    await page.getByTestId("file-input").setInputFiles(bigFile);
    // The engine's own word on the load: the file, the bytes, the spans so far.
    await page.getByTestId("load-progress-text").filter({ hasText: /big\.otlp\.json \(1 of 1\), \d+ of \d+ MB/ }).waitFor();
    await page.getByTestId("cancel-load").click();
    await page.getByTestId("load-progress").waitFor({ state: "detached" });
    assert.equal(await textOf(page, "span-count"), "40", "the earlier file is still loaded");
    // Nothing of the big file lands later: the earlier file is restored into a fresh engine alone.
    await page.getByTestId("trace-row").first().waitFor();
    assert.equal(await textOf(page, "span-count"), "40");
    assert.equal(await textOf(page, "file-count"), "1");
    assert.equal(await page.getByTestId("load-error").count(), 0);
  }));

test("a clear during a load lets no late file into the new set", () =>
  onPage(async (page) => {
    await loadSmall(page);
    await page.getByTestId("file-input").setInputFiles(bigFile);
    await page.getByTestId("load-progress").waitFor();
    await page.getByTestId("clear").click();
    await page.getByTestId("drop-zone").waitFor();
    assert.equal(await page.getByTestId("overview").count(), 0);
    await loadSmall(page, GENAI);
    assert.equal(await textOf(page, "span-count"), "57");
    // Long enough for the big file to have landed had its load gone on.
    await page.waitForTimeout(3000);
    assert.equal(await textOf(page, "span-count"), "57");
    assert.equal(await textOf(page, "file-count"), "1");
  }));

test("the trace list shows while the detectors run; their findings follow, and a clear drops them", () =>
  onPage(async (page) => {
    // Held on the page until released, so the test does not race the detectors.
    await page.evaluate(() => window.tracelensHoldFindings());
    await loadSmall(page);
    await page.getByTestId("trace-row").first().waitFor();
    assert.equal(await textOf(page, "findings-pending"), "Finding patterns…");
    assert.equal(await page.getByTestId("finding").count(), 0);
    assert.equal(await page.getByTestId("no-findings").count(), 0, "no findings is not said before the detectors are done");
    await page.evaluate(() => window.tracelensReleaseFindings());
    await page.getByTestId("finding").first().waitFor();
    assert.equal(await page.getByTestId("findings-pending").count(), 0);
    assert.notEqual(await textOf(page, "finding-tally"), "");

    // Findings of a load the page gave up on never show: a clear, then another file.
    await page.evaluate(() => window.tracelensHoldFindings());
    await page.getByTestId("file-input").setInputFiles(fixturePath(GENAI));
    await page.waitForFunction(() => document.querySelector('[data-testid="span-count"]')?.textContent === "97");
    await page.getByTestId("findings-pending").waitFor();
    await page.getByTestId("clear").click();
    await page.getByTestId("drop-zone").waitFor();
    await loadSmall(page, GENAI);
    await page.getByTestId("trace-row").first().waitFor();
    assert.equal(await textOf(page, "span-count"), "57");
    await page.evaluate(() => window.tracelensReleaseFindings());
    await page.locator('[data-testid="finding"], [data-testid="no-findings"]').first().waitFor();
    const alone = await page.locator('[data-testid="finding"] .detector').allInnerTexts();
    // The same file in a fresh page, findings not held: what the page must show.
    await page.getByTestId("clear").click();
    await page.getByTestId("drop-zone").waitFor();
    await loadSmall(page, GENAI);
    await page.locator('[data-testid="finding"], [data-testid="no-findings"]').first().waitFor();
    assert.deepEqual(alone, await page.locator('[data-testid="finding"] .detector').allInnerTexts());
  }));

test("a worker that dies mid-load leaves a usable page that offers to start again", () =>
  onPage(async (page) => {
    await loadSmall(page);
    await page.getByTestId("file-input").setInputFiles(bigFile);
    await page.getByTestId("load-progress").waitFor();
    await page.evaluate(() => window.tracelensStopEngine());
    const failure = page.getByTestId("engine-failure");
    await failure.waitFor();
    assert.match(await failure.innerText(), /engine stopped while reading files: .*Start it again to get back the files loaded before/s);
    assert.equal(await page.getByTestId("load-progress").count(), 0, "no load is left hanging");
    // The page still works: what was shown stays, and the engine starts again with the earlier files.
    assert.equal(await textOf(page, "span-count"), "40");
    await page.getByTestId("restart-engine").click();
    await page.getByTestId("engine-failure").waitFor({ state: "detached" });
    await page.getByTestId("load-progress").waitFor({ state: "detached" });
    assert.equal(await textOf(page, "span-count"), "40");
    // And it reads new files.
    await page.getByTestId("file-input").setInputFiles(fixturePath(GENAI));
    await page.waitForFunction(() => document.querySelector('[data-testid="span-count"]')?.textContent === "97");
  }));

test("a reload brings back the files loaded, until they are forgotten", () =>
  onPage(async (page) => {
    await loadSmall(page);
    const kept = page.getByTestId("kept-size");
    await kept.waitFor();
    assert.match(await kept.innerText(), /^[\d.]+ KB of files kept in this browser, so a reload keeps them\. Nothing is sent anywhere\.$/);
    await page.reload();
    await page.getByTestId("overview").waitFor();
    assert.equal(await textOf(page, "span-count"), "40");
    assert.equal(await textOf(page, "file-count"), "1");
    await page.getByTestId("clear").click();
    await page.getByTestId("kept-size").waitFor({ state: "detached" });
    await page.reload();
    await page.getByTestId("drop-zone").waitFor();
    await page.waitForTimeout(1000);
    assert.equal(await page.getByTestId("overview").count(), 0, "nothing comes back once forgotten");
  }));

test("back and forward move between the analysis, an endpoint and the report", () =>
  onPage(async (page) => {
    await page.getByTestId("load-example").click();
    await page.getByTestId("overview").waitFor();
    const link = page.getByTestId("endpoint-link").first();
    const name = await link.innerText();
    await link.click();
    await page.getByTestId("endpoint-view").waitFor();
    assert.match(page.url(), /#\/endpoint\/[^/]+\/.+/);
    assert.match(await page.locator('[data-testid="endpoint-view"] h2').innerText(), new RegExp(`^${name.replace(/[/.*?+()[\]]/g, "\\$&")} in `));
    // Its traces are its requests only (the count shows once the engine has counted them).
    const count = await textOf(page, "trace-list-count");
    assert.match(count, /^[1-9]\d* of 400 traces match\.$/);
    await page.goBack();
    await page.getByTestId("endpoint-view").waitFor({ state: "detached" });
    assert.equal(await textOf(page, "trace-list-count"), "400 traces.");
    await page.goForward();
    await page.getByTestId("endpoint-view").waitFor();
    await page.getByTestId("open-report").click();
    await page.getByTestId("report-view").waitFor();
    await page.goBack();
    await page.getByTestId("endpoint-view").waitFor();
  }));

test("the trace list filters, sorts and scrolls as its address says", () =>
  onPage(async (page) => {
    await page.getByTestId("load-example").click();
    await page.getByTestId("overview").waitFor();
    const count = () => textOf(page, "trace-list-count");
    // The list keeps its rows and count until the engine's next answer, so
    // each step waits for the count (or the order) the step leads to.
    const countIs = (text) =>
      page.waitForFunction((text) => document.querySelector('[data-testid="trace-list-count"]')?.textContent === text, text);
    const someMatch = () =>
      page.waitForFunction(() => /of 400 traces match/.test(document.querySelector('[data-testid="trace-list-count"]')?.textContent));
    assert.equal(await count(), "400 traces.");
    // Only the rows in view (and a few around them) are drawn.
    const drawn = await page.getByTestId("trace-row").count();
    assert.ok(drawn > 10 && drawn < 100, `rows drawn: ${drawn}`);
    const firstId = await page.getByTestId("trace-row").first().getAttribute("data-trace-id");
    await page.getByTestId("trace-scroller").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForFunction(
      (id) => ![...document.querySelectorAll('[data-testid="trace-row"]')].some((row) => row.dataset.traceId === id),
      firstId,
    );

    // Errors only: every row drawn failed, and the address says so.
    await page.getByTestId("filter-errors").check();
    await someMatch();
    assert.match(page.url(), /#\/traces\?errors$/);
    const failed = Number((await count()).split(" ")[0]);
    assert.ok(failed > 0 && failed < 400);
    for (const row of await page.getByTestId("trace-row").all()) assert.match(await row.getAttribute("class"), /error/);

    // A duration floor, as people write it; a wrong one says how to write it.
    await page.getByTestId("filter-min").fill("100ms");
    await page.getByTestId("filter-min").press("Enter");
    await page.waitForFunction(() => location.hash.includes("min=100ms"));
    await page.waitForFunction((failed) => !document.querySelector('[data-testid="trace-list-count"]').textContent.startsWith(`${failed} `), failed);
    for (const cell of await page.getByTestId("trace-duration").allInnerTexts()) assert.ok(millis(cell) >= 100, cell);
    await page.getByTestId("filter-max").fill("soon");
    await page.getByTestId("filter-max").press("Enter");
    await page.getByTestId("filter-problem").waitFor();

    // Back undoes a filter.
    await page.goBack();
    await page.getByTestId("filter-problem").waitFor({ state: "detached" });
    await page.goBack();
    await page.waitForFunction((failed) => document.querySelector('[data-testid="trace-list-count"]').textContent.startsWith(`${failed} of 400`), failed);
    await page.getByTestId("filter-clear").click();
    await countIs("400 traces.");

    // Text found in the traces: the payment failures' exception message.
    await page.getByTestId("filter-text").fill("CARD DECLINED");
    await page.getByTestId("filter-text").press("Enter");
    await someMatch();
    const declined = Number((await count()).split(" ")[0]);
    assert.ok(declined >= 10 && declined < 400, `traces with "card declined": ${declined}`);
    await page.getByTestId("filter-clear").click();
    await countIs("400 traces.");

    // A service: the traces that reached it.
    await page.getByTestId("filter-service").selectOption("payment");
    await page.waitForFunction(() => location.hash.includes("service=payment"));
    await someMatch();
    const reached = Number((await count()).split(" ")[0]);
    assert.ok(reached >= declined && reached < 400, `traces that reached payment: ${reached}`);
    await page.getByTestId("filter-clear").click();
    await countIs("400 traces.");

    // A second click on the sorted column turns the order round.
    const durations = async () => (await page.getByTestId("trace-duration").allInnerTexts()).map(millis);
    const longestFirst = await durations();
    assert.ok(longestFirst[0] >= longestFirst[1]);
    const top = (await page.getByTestId("trace-duration").first().innerText()).trim();
    await page.locator("th button.sort", { hasText: "Duration" }).click();
    await page.waitForFunction(() => location.hash.includes("order=asc"));
    await page.locator('th[aria-sort="ascending"]', { hasText: "Duration" }).waitFor();
    await listAnswered(page);
    assert.notEqual((await page.getByTestId("trace-duration").first().innerText()).trim(), top);
    const shortestFirst = await durations();
    assert.ok(shortestFirst[0] <= shortestFirst[1]);
    assert.ok(shortestFirst[0] <= longestFirst[longestFirst.length - 1]);
  }));

test("while the engine works on a new filter the list keeps its rows and count; an answer for a list gone is dropped", () =>
  site.onPage(
    async (page) => {
      await page.getByTestId("load-example").click();
      await page.getByTestId("overview").waitFor();
      const table = page.getByTestId("trace-table");
      const busy = () => page.locator('[data-testid="trace-table"][aria-busy="true"]').waitFor();
      const shown = () => page.getByTestId("trace-row").evaluateAll((rows) => rows.map((row) => row.dataset.traceId));
      assert.equal(await table.getAttribute("aria-busy"), "false");
      const before = await shown();
      const endpointRow = await page.getByTestId("endpoint-row").first().elementHandle();

      // A filter while the engine's answers are held: the page has asked, and
      // shows the last answer meanwhile, not an empty list that says "0 of 400 traces match".
      await page.evaluate(() => window.__engine.hold());
      await page.getByTestId("filter-errors").check();
      await busy();
      assert.equal(await textOf(page, "trace-list-count"), "400 traces.");
      assert.deepEqual(await shown(), before);
      // The rest of the page is not drawn again for a filter.
      assert.ok(await endpointRow.evaluate((row) => row.isConnected), "the endpoint table stays");
      await page.evaluate(() => window.__engine.release());
      await listAnswered(page);
      assert.match(await textOf(page, "trace-list-count"), /^[1-9]\d* of 400 traces match\.$/);
      for (const row of await page.getByTestId("trace-row").all()) assert.match(await row.getAttribute("class"), /error/);

      // The list goes (another view) before the engine answers it: the page
      // drops that answer and draws the next view (a page error fails the test).
      await page.evaluate(() => window.__engine.hold());
      await page.getByTestId("filter-clear").click();
      await busy();
      await page.getByTestId("open-service-map").click();
      await table.waitFor({ state: "detached" });
      await page.evaluate(() => window.__engine.release());
      await page.getByTestId("service-node").first().waitFor();
    },
    { holdEngine: true },
  ));

/** Milliseconds in a duration as the page writes it (`812µs`, `1.12s`, `125ms`). */
function millis(text) {
  const match = /^([\d.]+)\s*(ns|µs|ms|s|m)$/.exec(text.trim());
  assert.ok(match, `a duration: ${text}`);
  const scale = { ns: 1e-6, µs: 1e-3, ms: 1, s: 1e3, m: 6e4 }[match[2]];
  return Number(match[1]) * scale;
}

test("a table with more operations than the page draws at first fetches the rest on request", () =>
  onPage(async (page) => {
    // One trace of 150 spans, each its own operation.
    const start = 1_700_000_000_000_000_000n;
    const spans = Array.from({ length: 150 }, (_, i) => ({
      traceId: "ab".repeat(16),
      spanId: (i + 1).toString(16).padStart(16, "0"),
      ...(i ? { parentSpanId: "1".padStart(16, "0") } : {}),
      name: i ? `step ${String(i).padStart(3, "0")}` : "GET /many",
      kind: i ? 1 : 2,
      startTimeUnixNano: String(start + BigInt(i) * 1_000n),
      endTimeUnixNano: String(start + BigInt(i) * 1_000n + (i ? 500n : 2_000_000n)),
    }));
    const doc = { resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "many" } }] }, scopeSpans: [{ spans }] }] };
    await page.getByTestId("file-input").setInputFiles({ name: "many.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(doc)) });
    await page.getByTestId("overview").waitFor();
    const rows = page.getByTestId("operation-row");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="operation-row"]').length === 100);
    const more = page.getByTestId("operation-more");
    assert.equal(await more.innerText(), "Show 50 more");
    await more.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="operation-row"]').length === 150);
    const names = await rows.locator("td.name").allInnerTexts();
    assert.equal(new Set(names).size, 150, "each operation once");
    assert.equal(await more.count(), 0);
    // The filter menu offers every operation, not only those drawn first.
    assert.equal(await page.getByTestId("filter-operation").locator("option").count(), 151);
  }));
