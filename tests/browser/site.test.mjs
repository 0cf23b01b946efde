// What a person does with the first slice: open the page, load traces by
// picking, dropping or asking for the example, read the numbers, and get a
// clear message for a broken file without losing what was loaded.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { dropFiles, fixturePath, fixtureText, listAnswered, startSite, textOf } from "./harness.mjs";

const HOTROD = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";
const HOTROD_TRACE = "fe65c5beefbe4e96119efbba3da07e99";
const GENAI = "jaeger-ui-json/jaegerui__genaiTestTrace.json";
// A recorded 40 s asynchronous session: no request, so no latency finding.
const ASYNC_SESSION = "jaeger-ui-json/dgurkaynak__stalk__async-follows-from.json";
const TRUNCATED = "broken/truncated.otlp.json";
const ONE_SPAN = "otlp-json/jaeger__integration__link_attributes_trace.json";

let site;
before(async () => {
  site = await startSite();
});
after(async () => {
  await site?.close();
});

/** See `onPage` in harness.mjs. */
const onPage = (body) => site.onPage(body);

function traceRow(page, traceId) {
  return page.locator(`[data-testid="trace-row"][data-trace-id="${traceId}"]`);
}

test("the landing page says what the tool does and offers three ways in", () =>
  onPage(async (page) => {
    assert.equal(await page.title(), "Tracelens");
    assert.match(await page.locator(".tagline").innerText(), /trace exports/);
    assert.match(await textOf(page, "drop-zone"), /Drop trace files here/);
    assert.equal(await page.getByTestId("file-input").count(), 1);
    assert.equal(await page.getByTestId("load-example").count(), 1);
  }));

test("a file picked with the file input is analysed", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(fixturePath(HOTROD));
    await page.getByTestId("overview").waitFor();
    assert.equal(await textOf(page, "file-count"), "1");
    assert.equal(await textOf(page, "span-count"), "40");
    assert.equal(await textOf(page, "trace-count"), "1");
    assert.equal(await textOf(page, "services"), "customer, driver, frontend, mysql, redis-manual, route");
    const row = traceRow(page, HOTROD_TRACE);
    assert.equal((await row.getByTestId("trace-duration").innerText()).trim(), "1.12s");
    assert.match(await row.innerText(), /frontend\s+GET \/dispatch/);
    // Per-operation statistics: the Redis lookups, busiest first.
    const first = page.getByTestId("operation-row").first();
    assert.match(await first.innerText(), /^redis-manual\s+GetDriver\s+13\s+23\.1%\s+13\.3ms\s+33\.5ms\s+33\.5ms\s/);
    // The request entered through the frontend's GET /dispatch: one endpoint.
    const endpoints = await page.getByTestId("endpoint-row").allInnerTexts();
    assert.equal(endpoints.length, 1);
    assert.match(endpoints[0], /^frontend\s+GET \/dispatch\s+1\s+0%\s+1\.12s/);
  }));

test("a file dropped on the page is analysed, with an overlay while dragging", () =>
  onPage(async (page) => {
    await dropFiles(page, [{ name: "genai.json", text: fixtureText(GENAI) }], {
      checkOverlay: async () => assert.ok(await page.getByTestId("drop-overlay").isVisible(), "overlay while dragging"),
    });
    await page.getByTestId("overview").waitFor();
    assert.equal(await page.getByTestId("drop-overlay").count(), 0, "overlay gone after the drop");
    assert.equal(await textOf(page, "span-count"), "57");
    const rows = page.getByTestId("trace-row");
    assert.equal(await rows.count(), 1);
    assert.equal((await rows.first().getByTestId("trace-duration").innerText()).trim(), "44.0s");
    assert.match(await rows.first().innerText(), /api-edge\s+POST \/api\/graphql/);
  }));

test("a broken file gets a message naming it and where it breaks; what was loaded stays", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(fixturePath(HOTROD));
    await page.getByTestId("overview").waitFor();
    await page.getByTestId("file-input").setInputFiles(fixturePath(TRUNCATED));
    const message = page.getByTestId("load-error");
    await message.waitFor();
    assert.match(
      await message.innerText(),
      /truncated\.otlp\.json: invalid OTLP JSON at line 31, column 25 \(resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.spanId\)/,
    );
    assert.equal(await textOf(page, "span-count"), "40", "the earlier file is still loaded");
    assert.equal(await textOf(page, "file-count"), "1");
    // The page keeps working: another file still loads, and the message can be dismissed.
    await dropFiles(page, [{ name: "genai.json", text: fixtureText(GENAI) }]);
    await page.waitForFunction(() => document.querySelector('[data-testid="span-count"]')?.textContent === "97");
    assert.equal(await textOf(page, "trace-count"), "2");
    await message.getByRole("button").click();
    assert.equal(await page.getByTestId("load-error").count(), 0);
  }));

test("in one drop, a file that is not a trace export fails alone", () =>
  onPage(async (page) => {
    await dropFiles(page, [
      { name: "notes.txt", text: "trace export, honestly\n" },
      { name: "hotrod.json", text: fixtureText(HOTROD) },
    ]);
    await page.getByTestId("overview").waitFor();
    assert.equal(await textOf(page, "span-count"), "40");
    assert.match(await textOf(page, "load-error"), /^notes\.txt: this is text starting with "trace export, honestly", not a trace export/);
  }));

test("Load example opens the shipped trace set", () =>
  onPage(async (page) => {
    await page.getByTestId("load-example").click();
    await page.getByTestId("overview").waitFor();
    assert.equal(await textOf(page, "span-count"), "3,918");
    assert.equal(await textOf(page, "trace-count"), "400");
    assert.equal(
      await textOf(page, "services"),
      "accounts, cart, catalog, checkout, frontend, orders, payment, recommendations",
    );
    assert.match(await textOf(page, "time-range"), /^2026-11-02 09:00:00\.667 → 2026-11-02 09:04:10\.428 \(4m 09s\)$/);
    assert.ok((await page.getByTestId("operation-row").count()) >= 30);
    // Eight endpoints, busiest first, with exact percentiles and the outliers left out of p99.
    const endpoints = await page.getByTestId("endpoint-row").allInnerTexts();
    assert.deepEqual(
      endpoints.map((row) => row.split("\t").slice(0, 3).join(" | ")),
      [
        "frontend | GET /api/products/{id} | 94",
        "frontend | GET /api/cart | 60",
        "frontend | POST /api/checkout | 57",
        "frontend | POST /api/cart/items | 42",
        "frontend | GET /api/search | 40",
        "frontend | GET /api/home | 38",
        "frontend | GET /api/recommendations | 35",
        "frontend | GET /api/orders | 34",
      ],
    );
    // The checkout's failed requests are the payment provider's declines (HTTP 5xx count too).
    assert.match(endpoints[2], /POST \/api\/checkout\t57\t17\.5%\t125ms\t237ms\t299ms/);
    assert.match(endpoints[4], /\t10\.0ms \(−8\)\t/);
    // Sorting by span count puts the biggest trace first (once the engine's answer is in).
    await page.getByRole("button", { name: "Spans" }).click();
    await page.locator('th[aria-sort="descending"]', { hasText: "Spans" }).waitFor();
    await listAnswered(page);
    const spans = await page.locator('[data-testid="trace-row"] td:nth-child(5)').allInnerTexts();
    const counts = spans.map(Number);
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a));
    // Clear returns to the landing page.
    await page.getByTestId("clear").click();
    await page.getByTestId("drop-zone").waitFor();
    assert.equal(await page.getByTestId("overview").count(), 0);
  }));

test("protobuf, Zipkin and gzip-compressed JSON Lines load together, each with its import report", () =>
  onPage(async (page) => {
    const { gzipSync } = await import("node:zlib");
    const { mkdtempSync, writeFileSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "tracelens-"));
    const gzipped = join(dir, "collector-dump.jsonl.gz");
    writeFileSync(gzipped, gzipSync(readFileSync(fixturePath("otlp-jsonl/jaegerui__otlp2jaeger-multi-in.jsonl"))));
    await page
      .getByTestId("file-input")
      .setInputFiles([fixturePath("otlp-protobuf/otlp2parquet__traces.pb"), fixturePath("zipkin-v2/zipkin__yelp.json"), gzipped]);
    await page.getByTestId("overview").waitFor();
    assert.equal(await textOf(page, "file-count"), "3");
    assert.equal(await textOf(page, "span-count"), String(19 + 16 + 4));
    await page.getByText("Import report per file").click();
    const rows = await page.getByTestId("file-report").allInnerTexts();
    assert.match(rows[0], /otlp2parquet__traces\.pb\s+OTLP protobuf\s+19\s+19/);
    assert.match(rows[1], /zipkin__yelp\.json\s+Zipkin JSON\s+16\s+16\s+none\s+3 shared client\/server span IDs split in two/);
    assert.match(rows[2], /collector-dump\.jsonl\.gz\s+OTLP JSON Lines \(gzip\)\s+4\s+4/);
  }));

test("findings explain the pattern and link to an example trace", () =>
  onPage(async (page) => {
    await page.getByTestId("load-example").click();
    await page.getByTestId("finding").first().waitFor();
    // Every pattern the example plants, most severe and costly first, by the
    // detector's own name (as the CLI prints it) and a label to read.
    const detectors = await page.locator('[data-testid="finding"] .detector').allInnerTexts();
    // One finding per root cause: the slow checkout is its bottleneck, the
    // search's long tail is the query that makes it. Failed requests rank first.
    assert.deepEqual(detectors, [
      "error_hotspot",
      "bottleneck",
      "sequential_calls",
      "many_queries",
      "n_plus_one_queries",
      "chatty_calls",
      "scaling",
      "long_tail",
    ]);
    const labels = await page.locator('[data-testid="finding"] .finding-kind strong').allInnerTexts();
    assert.deepEqual(labels, [
      "Error hotspot",
      "Bottleneck",
      "Sequential calls",
      "Many queries",
      "N+1 queries",
      "Chatty calls",
      "Slower under load",
      "Long tail",
    ]);
    assert.equal(await textOf(page, "finding-tally"), "7 critical · 1 warning");
    assert.equal(await page.getByTestId("finding-example").count(), detectors.length, "every finding has an example trace");
    const finding = page.getByTestId("finding").filter({ hasText: "n_plus_one_queries" });
    assert.equal(await finding.getByTestId("finding-severity").innerText(), "CRITICAL", "shown in capitals");
    assert.equal(await finding.getByTestId("finding-severity").textContent(), "critical");
    // The names the explanation quotes are set in code type, without the backticks.
    const explanation = finding.getByTestId("finding-explanation");
    assert.equal(
      await explanation.innerText(),
      "SELECT * FROM items WHERE id = ? in cart runs 6 times per GET /api/cart request (median of 41 requests), one after another, 72% of their time; inside GET /cart in cart, 79% of its time",
    );
    assert.deepEqual(await explanation.locator("code").allInnerTexts(), [
      "SELECT * FROM items WHERE id = ?",
      "cart",
      "GET /api/cart",
      "GET /cart",
      "cart",
    ]);
    // What to do about it: its detector's registry entry (this finding puts no data at risk).
    assert.match(await finding.getByTestId("finding-next-step").innerText(), /^Next step: Fetch the rows in one query/);
    const all = await page.getByTestId("trace-row").count();
    await finding.getByTestId("finding-example").click();
    await page.getByTestId("waterfall").waitFor();
    assert.match(page.url(), /#\/trace\/[0-9a-f]{32}\?finding=\d+$/, "the link's address names the trace, to share or open in a new tab");
    const root = page.getByTestId("span-row").first();
    await root.waitFor();
    assert.match(await root.innerText(), /frontend\s+GET \/api\/cart/);
    await page.getByTestId("back-to-traces").click();
    await page.getByTestId("trace-row").first().waitFor();
    assert.equal(await page.getByTestId("trace-row").count(), all);
  }));

test("data-quality findings say which numbers not to trust, and still link to a trace", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(fixturePath("zipkin-v2/zipkin__smartthings-mobile-web-install.json"));
    await page.getByTestId("finding").first().waitFor();
    const quality = page.getByTestId("finding").filter({ hasText: "data_quality" });
    assert.ok((await quality.count()) >= 1);
    for (const item of await quality.all()) {
      assert.equal(await item.locator(".finding-kind strong").innerText(), "Data quality");
      // SmartThings: calls traced twice (an unfinished copy beside each) and
      // one-way sends, whose spans have no duration but lose no time.
      assert.match(await item.getByTestId("finding-explanation").innerText(), /have no duration, and none of them loses time/);
      assert.equal(await item.getByTestId("finding-example").count(), 1);
    }
    // An example of one of them opens a trace that exists.
    await quality.first().getByTestId("finding-example").click();
    await page.getByTestId("span-row").first().waitFor();
    assert.equal(await page.getByTestId("trace-missing").count(), 0);
  }));

/** The numbers of a `data-counts` attribute ("3 0 12"). */
function counts(attribute) {
  return attribute.split(" ").map(Number);
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

test("every endpoint and operation row draws its histogram; opening a row shows the percentiles", () =>
  onPage(async (page) => {
    await page.getByTestId("load-example").click();
    const rows = page.getByTestId("endpoint-row");
    await rows.first().waitFor();
    // Each sparkline counts exactly the row's requests and says so to screen readers.
    for (const row of await rows.all()) {
      const [, name, count, , p50, p95, p99] = await row.locator("td").allInnerTexts();
      const sparkline = row.getByTestId("sparkline");
      assert.equal(await sparkline.getAttribute("role"), "img");
      assert.equal(sum(counts(await sparkline.getAttribute("data-counts"))), Number(count.replaceAll(",", "")), name);
      assert.equal(await sparkline.getAttribute("aria-label"), `${name}: ${count} requests, p50 ${p50}, p95 ${p95}, p99 ${p99}`);
    }
    for (const row of await page.getByTestId("operation-row").all()) {
      const [, name, count] = await row.locator("td").allInnerTexts();
      const drawn = sum(counts(await row.getByTestId("sparkline").getAttribute("data-counts")));
      assert.equal(drawn, Number(count.replaceAll(",", "")), name);
    }
    assert.equal(await page.getByTestId("histogram").count(), 0, "no chart before a row is opened");

    // Opening GET /api/cart shows its histogram below it, with p50/p95/p99 as in the row.
    const cart = rows.nth(1);
    const [, name, count, , p50, p95, p99] = await cart.locator("td").allInnerTexts();
    assert.equal(name, "GET /api/cart");
    await cart.click();
    const chart = page.getByTestId("endpoint-histogram").getByTestId("histogram");
    await chart.waitFor();
    assert.equal(await chart.getAttribute("role"), "img");
    assert.equal(await chart.getAttribute("aria-label"), "GET /api/cart: 60 requests, p50 10.1ms, p95 13.4ms, p99 16.2ms");
    assert.equal(await cart.locator("button.spark").getAttribute("aria-expanded"), "true");
    const bars = chart.getByTestId("histogram-bar");
    const barCounts = (await bars.evaluateAll((rects) => rects.map((r) => r.dataset.count))).map(Number);
    assert.equal(sum(barCounts), Number(count));
    assert.ok(barCounts.every((n) => n > 0), "empty buckets draw no bar");
    const marks = chart.getByTestId("histogram-mark");
    // (SVG elements have no innerText: read their text content.)
    assert.deepEqual(await marks.allTextContents(), [`p50 ${p50}`, `p95 ${p95}`, `p99 ${p99}`]);
    // The marks sit in order, over the bars (give or take the pixel of air between bars), on the same axis.
    const xs = await marks.evaluateAll((groups) => groups.map((g) => Number(g.querySelector("line").getAttribute("x1"))));
    const edges = await bars.evaluateAll((rects) => [
      Number(rects[0].getAttribute("x")),
      Number(rects.at(-1).getAttribute("x")) + Number(rects.at(-1).getAttribute("width")),
    ]);
    assert.ok(edges[0] - 1 <= xs[0] && xs[0] <= xs[1] && xs[1] <= xs[2] && xs[2] <= edges[1] + 1, `${edges} ${xs}`);
    // A few round duration labels on the axis.
    const ticks = await chart.locator("text.tick").allTextContents();
    assert.ok(ticks.filter((t) => /^\d+(\.\d+)?(ns|µs|ms|s)$/.test(t)).length >= 2, ticks.join(", "));

    // Another row opens beside it; clicking a row again closes it.
    await rows.nth(4).click();
    assert.equal(await page.getByTestId("histogram").count(), 2);
    await cart.click();
    await rows.nth(4).getByRole("button").click();
    assert.equal(await page.getByTestId("histogram").count(), 0);
    assert.equal(await cart.locator("button.spark").getAttribute("aria-expanded"), "false");
  }));

test("a trace without patterns says so", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(fixturePath(ONE_SPAN));
    await page.getByTestId("no-findings").waitFor();
    assert.equal(await page.getByTestId("finding").count(), 0);
  }));

test("a session whose only pattern is one error shows it as a rare error", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(fixturePath(ASYNC_SESSION));
    await page.getByTestId("finding").first().waitFor();
    assert.deepEqual(await page.locator('[data-testid="finding"] .detector').allInnerTexts(), ["rare_errors"]);
    const text = await page.getByTestId("finding").innerText();
    assert.match(text, /Countdown failed/);
  }));
