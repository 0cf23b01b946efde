// One trace, as a person opens it: from the trace list or from a finding,
// folded and unfolded, searched, walked with the keyboard, a span's details
// read, only the critical path shown, a long trace scrolled and a hostile
// span name shown as text. The numbers are checked against the file itself.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fixturePath, fixtureText, startSite, textOf } from "./harness.mjs";

const HOTROD = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";
const HOTROD_TRACE = "fe65c5beefbe4e96119efbba3da07e99";

let site;
before(async () => {
  site = await startSite();
});
after(async () => {
  await site?.close();
});

const onPage = (body) => site.onPage(body);

/** The spans of an OTLP JSON file: id → { name, service, attributes, events }. */
function otlpSpans(relative) {
  const spans = new Map();
  for (const rs of JSON.parse(fixtureText(relative)).resourceSpans) {
    const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue;
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        spans.set(span.spanId.toLowerCase(), { ...span, service });
      }
    }
  }
  return spans;
}

async function openHotrod(page) {
  await page.getByTestId("file-input").setInputFiles(fixturePath(HOTROD));
  await page.getByTestId("trace-link").first().waitFor();
  await page.getByTestId("trace-link").first().click();
  await page.getByTestId("waterfall").waitFor();
  // The first answer holds a screenful (30 rows); the rest follow after it is painted.
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="span-row"]').length >= n, otlpSpans(HOTROD).size);
}

const rows = (page) => page.getByTestId("span-row");

test("a trace opens from the list as a waterfall of every span, in tree order", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(fixturePath(HOTROD));
    const link = page.getByTestId("trace-link").first();
    assert.equal(await link.getAttribute("href"), `#/trace/${HOTROD_TRACE}`, "a real link, to open in a new tab");
    await link.click();
    await page.getByTestId("span-row").first().waitFor();
    assert.match(page.url(), new RegExp(`#/trace/${HOTROD_TRACE}$`));
    const spans = otlpSpans(HOTROD);
    // The first answer holds a screenful (30 rows); the rest follow after it is painted.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="span-row"]').length >= n, spans.size);
    assert.equal(await rows(page).count(), spans.size, "every span, one row each");
    assert.match(await textOf(page, "trace-header"), /40 spans/);
    // Each row's parent is the nearest row above it one level up, as the file says.
    const shown = await rows(page).evaluateAll((els) =>
      els.map((e) => ({ id: e.dataset.spanId, level: Number(e.dataset.depth) })),
    );
    for (const [at, row] of shown.entries()) {
      const span = spans.get(row.id);
      assert.ok(span, `row ${at} is a span of the file`);
      if (at === 0) {
        assert.equal(span.parentSpanId ?? "", "", "the root first");
        continue;
      }
      const parent = shown.slice(0, at).reverse().find((r) => r.level === row.level - 1);
      assert.equal(parent.id, span.parentSpanId.toLowerCase(), `row ${at}'s parent`);
    }
    // Each span against its operation: the ten route calls run p10 to p100.
    const placements = await page
      .locator('[data-testid="span-row"]', { hasText: "GET /route" })
      .filter({ hasText: "route" })
      .getByTestId("span-placement")
      .allInnerTexts();
    assert.equal(placements.length, 10);
    assert.deepEqual(
      placements.map((p) => Number(p.match(/^p(\d+) of 10$/)[1])).sort((a, b) => a - b),
      [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
    );
    // Back to the list.
    await page.getByTestId("back-to-traces").click();
    await page.getByTestId("trace-row").first().waitFor();
  }));

test("a finding's example trace opens with the finding above and its evidence highlighted", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(fixturePath(HOTROD));
    const finding = page.getByTestId("finding").filter({ hasText: "n_plus_one" }).first();
    const sentence = await finding.getByTestId("finding-explanation").innerText();
    await finding.getByTestId("finding-example").click();
    await page.getByTestId("span-row").first().waitFor();
    assert.match(page.url(), /#\/trace\/[0-9a-f]{32}\?finding=\d+$/);
    assert.ok((await textOf(page, "trace-finding")).includes(sentence), "the finding's sentence stays above");
    const evidence = page.locator('[data-testid="span-row"].evidence');
    assert.ok((await evidence.count()) >= 2, "its parent and repeated children are highlighted");
    // The first is in the scroller's view and selected.
    const [row, view] = await Promise.all([evidence.first().boundingBox(), page.getByTestId("span-scroller").boundingBox()]);
    assert.ok(row.y >= view.y && row.y + row.height <= view.y + view.height, "scrolled into view");
    assert.match(await evidence.first().getAttribute("class"), /selected/);
  }));

test("folding hides a subtree, the keyboard walks and folds, Enter and Escape open and close the details", () =>
  onPage(async (page) => {
    await openHotrod(page);
    const all = await rows(page).count();
    // The driver call holds its redis calls below it.
    const driver = rows(page).filter({ hasText: "driver.DriverService/FindNearest" }).first();
    const below = otlpSpans(HOTROD);
    const driverId = await driver.getAttribute("data-span-id");
    // Everything below it, from the file's parent links.
    const descendants = (id) =>
      [...below.values()]
        .filter((s) => s.parentSpanId?.toLowerCase() === id)
        .flatMap((s) => [s, ...descendants(s.spanId.toLowerCase())]);
    const hidden = descendants(driverId).length;
    assert.ok(hidden > 1);
    await driver.getByTestId("span-toggle").first().click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="span-row"]').length === n, all - hidden);
    assert.equal(await rows(page).filter({ hasText: "GetDriver" }).count(), 0);
    await driver.getByTestId("span-toggle").first().click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="span-row"]').length === n, all);

    await page.getByTestId("waterfall").focus();
    await page.keyboard.press("ArrowDown");
    const selected = () => page.locator('[data-testid="span-row"].selected').getAttribute("data-row");
    assert.equal(await selected(), "0", "the first key selects the first row");
    await page.keyboard.press("ArrowDown");
    assert.equal(await selected(), "1");
    // A screen reader follows: the focused tree names the selected row as its active descendant.
    const active = await page.getByTestId("waterfall").getAttribute("aria-activedescendant");
    assert.equal(await page.locator(`#${active}`).getAttribute("data-row"), "1");
    assert.equal(await page.locator(`#${active}`).getAttribute("aria-level"), "2", "the root's child, one level down");
    await page.keyboard.press("ArrowUp");
    assert.equal(await selected(), "0");
    await page.keyboard.press("ArrowLeft");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="span-row"]').length === 1);
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="span-row"]').length === n, all);
    // Right on an open row goes to its first child; left on a leaf to its parent.
    await page.keyboard.press("ArrowRight");
    assert.equal(await selected(), "1");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    const leaf = await page.locator('[data-testid="span-row"].selected');
    assert.equal(await leaf.getByTestId("span-toggle").count(), 0, "a leaf (SQL SELECT)");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await selected(), "2", "its parent, GET /customer");
    await page.keyboard.press("Enter");
    await page.getByTestId("span-details").waitFor();
    assert.equal(await textOf(page, "detail-name"), "GET /customer");
    await page.keyboard.press("Escape");
    await page.getByTestId("span-details").waitFor({ state: "detached" });
  }));

test("search finds spans by text and by ID, and steps through the matches", () =>
  onPage(async (page) => {
    await openHotrod(page);
    await page.getByTestId("trace-search").fill("GetDriver");
    await page.getByTestId("trace-search").press("Enter");
    await page.waitForFunction(() => /of/.test(document.querySelector('[data-testid="trace-search-count"]').textContent));
    // What the search reads: service, name, status message, attribute, resource and event values.
    const values = (attributes) => (attributes ?? []).map((a) => JSON.stringify(a.value));
    const getDrivers = [...otlpSpans(HOTROD).values()].filter((s) =>
      [s.service, s.name, s.status?.message ?? "", ...values(s.attributes), ...(s.events ?? []).flatMap((e) => [e.name, ...values(e.attributes)])]
        .some((text) => text.toLowerCase().includes("getdriver")),
    ).length;
    assert.equal(await textOf(page, "trace-search-count"), `1 of ${getDrivers}`);
    assert.equal(await page.locator('[data-testid="span-row"].match').count(), getDrivers);
    await page.getByTestId("trace-search-next").click();
    assert.equal(await textOf(page, "trace-search-count"), `2 of ${getDrivers}`);
    await page.getByTestId("trace-search-prev").click();
    await page.getByTestId("trace-search-prev").click();
    assert.equal(await textOf(page, "trace-search-count"), `${getDrivers} of ${getDrivers}`, "wraps round");
    // A span ID finds that span alone.
    const id = await rows(page).nth(3).getAttribute("data-span-id");
    await page.getByTestId("trace-search").fill(id);
    await page.getByTestId("trace-search").press("Enter");
    await page.waitForFunction(() => document.querySelector('[data-testid="trace-search-count"]').textContent === "1 of 1");
    assert.equal(await page.locator('[data-testid="span-row"].current-match').getAttribute("data-span-id"), id);
    await page.getByTestId("trace-search").fill("no such text anywhere");
    await page.getByTestId("trace-search").press("Enter");
    await page.waitForFunction(() => document.querySelector('[data-testid="trace-search-count"]').textContent === "no match");
  }));

test("a span's details show its attributes, resource and events as the file has them", () =>
  onPage(async (page) => {
    await openHotrod(page);
    const spans = otlpSpans(HOTROD);
    const withEvents = [...spans.values()].find((s) => (s.events ?? []).length > 0 && (s.attributes ?? []).length > 0);
    const row = page.locator(`[data-testid="span-row"][data-span-id="${withEvents.spanId.toLowerCase()}"]`);
    await row.click();
    const details = page.getByTestId("span-details");
    await details.getByTestId("detail-attributes").locator("tr").first().waitFor();
    assert.equal(await details.getByTestId("detail-name").innerText(), withEvents.name);
    const keys = await details.getByTestId("detail-attributes").locator("th").allInnerTexts();
    assert.deepEqual(keys.sort(), withEvents.attributes.map((a) => a.key).sort());
    assert.equal(await details.getByTestId("detail-event").count(), withEvents.events.length);
    assert.ok((await details.getByTestId("detail-resource").innerText()).includes(withEvents.service));
    assert.ok((await details.innerText()).includes(withEvents.spanId.toLowerCase()), "its ID, to copy");
    await details.getByTestId("close-details").click();
    await details.waitFor({ state: "detached" });
  }));

/** An OTLP JSON trace: a root with `children` children in one service, each
 * 1 ms apart and 0.5 ms long, or (`parallel`) all starting at 1 ms, child i
 * lasting i + 1 ms. */
function wideTrace({ children, name = (i) => `child ${i}`, service = "shop", parallel = false }) {
  const start = 1_700_000_000_000_000_000n;
  const ms = 1_000_000n;
  const spans = [
    { traceId: "ab".repeat(16), spanId: "1".padStart(16, "0"), name: "root", kind: 2, startTimeUnixNano: `${start}`, endTimeUnixNano: `${start + BigInt(children + 2) * ms}` },
  ];
  for (let i = 0; i < children; i++) {
    spans.push({
      traceId: "ab".repeat(16),
      spanId: (i + 2).toString(16).padStart(16, "0"),
      parentSpanId: "1".padStart(16, "0"),
      name: name(i),
      kind: 1,
      startTimeUnixNano: `${start + (parallel ? 1n : BigInt(i + 1)) * ms}`,
      endTimeUnixNano: parallel ? `${start + ms + BigInt(i + 1) * ms}` : `${start + BigInt(i + 1) * ms + ms / 2n}`,
    });
  }
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] }, scopeSpans: [{ spans }] }],
  });
}

test("a trace of 3,000 spans draws only the rows in view, scrolls to its end and moves by its minimap", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles({ name: "wide.json", mimeType: "application/json", buffer: Buffer.from(wideTrace({ children: 3000 })) });
    await page.getByTestId("trace-link").first().click();
    await page.getByTestId("span-row").first().waitFor();
    const drawn = await rows(page).count();
    assert.ok(drawn < 200, `only the rows in view and a few around them (${drawn})`);
    const scroller = page.getByTestId("span-scroller");
    // Rows are elements reused from one answer to the next: after each scroll
    // every row shown says its own span, in order, at its own place.
    const rowsAreTheirOwn = async () => {
      const shown = await rows(page).evaluateAll((els) =>
        els.map((e) => ({ row: Number(e.dataset.row), name: e.querySelector('[data-testid="span-name"]').textContent, top: e.style.top })),
      );
      for (const [i, r] of shown.entries()) {
        assert.equal(r.name, r.row === 0 ? "root" : `child ${r.row - 1}`, `row ${r.row}'s name`);
        assert.equal(r.top, `${r.row * 26}px`, `row ${r.row}'s place`);
        if (i > 0) assert.equal(r.row, shown[i - 1].row + 1, "in order");
      }
    };
    for (const screen of [1, 2, 3]) {
      await scroller.evaluate((e, n) => (e.scrollTop = n * e.clientHeight), screen);
      // The rows below that screen, once answered.
      await page.locator(`[data-testid="span-row"][data-row="${(screen + 1) * 24 + 20}"]`).waitFor();
      await rowsAreTheirOwn();
    }
    await scroller.evaluate((e) => (e.scrollTop = e.scrollHeight));
    await page.locator('[data-testid="span-row"]', { hasText: "child 2999" }).waitFor();
    await rowsAreTheirOwn();
    // A press at the top of the minimap brings the first rows back.
    const minimap = page.getByTestId("minimap");
    const box = await minimap.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + 1);
    await page.locator('[data-testid="span-row"]', { hasText: "root" }).waitFor();
    // A bar's title is made when the pointer comes over it.
    const bar = page.locator('[data-testid="span-row"][data-row="1"] .bar');
    await bar.hover();
    assert.match(await bar.getAttribute("title"), /^shop: child 0 · 500µs from /);
  }));

test("only the critical path: the spans the request waited for", () =>
  onPage(async (page) => {
    // Five calls made at once, the longest last to end: the request waited for it alone.
    const file = wideTrace({ children: 5, parallel: true });
    await page.getByTestId("file-input").setInputFiles({ name: "parallel.json", mimeType: "application/json", buffer: Buffer.from(file) });
    await page.getByTestId("trace-link").first().click();
    await page.getByTestId("span-row").first().waitFor();
    assert.equal(await rows(page).count(), 6);
    const label = await page.locator("label", { has: page.getByTestId("critical-only") }).innerText();
    assert.match(label, /\(2 spans\)/);
    await page.getByTestId("critical-only").check();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="span-row"]').length === 2);
    assert.deepEqual(await page.getByTestId("span-name").allInnerTexts(), ["root", "child 4"]);
    await page.getByTestId("critical-only").uncheck();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="span-row"]').length === 6);
  }));

test("a span named as markup is shown as text, in the waterfall and its details", () =>
  onPage(async (page) => {
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs += 1;
      d.dismiss();
    });
    const hostile = "<img src=x onerror=alert(1)>";
    const file = wideTrace({ children: 2, name: (i) => (i === 0 ? hostile : "<script>alert(2)</script>"), service: "<b>svc</b>" });
    await page.getByTestId("file-input").setInputFiles({ name: "hostile.json", mimeType: "application/json", buffer: Buffer.from(file) });
    await page.getByTestId("trace-link").first().click();
    await page.getByTestId("span-row").first().waitFor();
    const names = await page.getByTestId("span-name").allInnerTexts();
    assert.ok(names.includes(hostile), "the name reads as written");
    assert.equal(await page.getByTestId("waterfall").locator("img, script, b").count(), 0, "no element made from it");
    await rows(page).filter({ hasText: hostile }).click();
    assert.equal(await textOf(page, "detail-name"), hostile);
    assert.equal(await page.getByTestId("span-details").locator("img, script, b").count(), 0);
    assert.equal(dialogs, 0);
  }));

test("an address naming a trace that is not loaded says so and offers the list", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(fixturePath(HOTROD));
    await page.getByTestId("trace-link").first().waitFor();
    await page.evaluate(() => (location.hash = "#/trace/0123456789abcdef0123456789abcdef"));
    await page.getByTestId("trace-missing").waitFor();
    assert.match(await textOf(page, "trace-missing"), /No loaded trace has the ID 0123456789abcdef0123456789abcdef/);
  }));

const ROBOT = "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl";
const EXECUTIONS = "essvt-core: GET /v2/executions";

test("a slow request compared with a typical one of its endpoint: matched spans by difference, then what only one did", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(fixturePath(ROBOT));
    await page.getByTestId("trace-row").first().waitFor();
    // The endpoint's slowest request.
    await page.evaluate((endpoint) => (location.hash = `#/traces?endpoint=${encodeURIComponent(endpoint)}`), EXECUTIONS);
    await page.waitForFunction(() => /match/.test(document.querySelector('[data-testid="trace-list-count"]').textContent));
    const slowest = await page.getByTestId("trace-row").first().getAttribute("data-trace-id");
    await page.getByTestId("trace-link").first().click();
    await page.getByTestId("span-row").first().waitFor();
    await page.getByTestId("compare-typical").click();
    await page.getByTestId("compare-summary").waitFor();
    assert.match(page.url(), new RegExp(`#/compare/[0-9a-f]{32}/${slowest}$`));
    assert.equal(await textOf(page, "compare-endpoint"), `Both are requests to ${EXECUTIONS}.`);
    // The typical request ran four `SELECT essvt`; the slowest three, and two `SELECT essvt.runner_t`.
    assert.match(await textOf(page, "compare-summary"), /A [0-9a-f]{32}: .+, 5 spans, 4 matched · B [0-9a-f]{32}: .+, 6 spans, 4 matched/);
    assert.deepEqual(await page.getByTestId("compare-only-a").getByTestId("compare-name").allInnerTexts(), ["SELECT essvt"]);
    assert.equal((await page.getByTestId("compare-only-a").locator(".ordinal").innerText()).trim(), "#4", "the fourth of them");
    assert.deepEqual(await page.getByTestId("compare-only-b").getByTestId("compare-name").allInnerTexts(), ["SELECT essvt.runner_t", "SELECT essvt.runner_t"].sort());
    // Matched spans, the largest difference first; the root's difference is the whole of it.
    const differences = (await page.getByTestId("compare-row").evaluateAll((rows) => rows.map((r) => r.dataset.difference)))
      .filter((d) => d !== "")
      .map((d) => Math.abs(Number(d)));
    assert.equal(differences.length, 4);
    assert.deepEqual([...differences].sort((x, y) => y - x), differences);
    assert.match(await textOf(page, "compare-verdict"), /^B took .+ longer than A/);
    // Swapped, the difference turns round.
    await page.getByTestId("compare-swap").click();
    await page.waitForFunction(() => /less than A/.test(document.querySelector('[data-testid="compare-verdict"]')?.textContent ?? ""));
  }));

test("two traces of one endpoint picked in the list are compared", () =>
  onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles(fixturePath(ROBOT));
    await page.getByTestId("trace-row").nth(1).waitFor();
    const rows = await page.getByTestId("trace-row").evaluateAll((rows) => rows.map((r) => [r.dataset.traceId, r.dataset.endpoint]));
    // Two requests to one endpoint, and a trace of another.
    const endpoint = rows.map(([, e]) => e).find((e, i, all) => e !== "" && all.indexOf(e) !== all.lastIndexOf(e));
    assert.ok(endpoint, `two rows of one endpoint among ${JSON.stringify(rows)}`);
    const [first, second] = rows.map(([, e], i) => (e === endpoint ? i : -1)).filter((i) => i >= 0);
    const other = rows.findIndex(([, e]) => e !== endpoint);
    const pick = (i) => page.getByTestId("compare-pick").nth(i);
    await pick(first).click();
    assert.equal(await pick(first).innerText(), "picked ✕");
    assert.equal(await pick(second).innerText(), "compare with picked");
    // A request to another endpoint differs by design: it cannot be the other side.
    assert.equal(await pick(other).innerText(), "other endpoint");
    assert.ok(await pick(other).isDisabled());
    const [service, name] = endpoint.split(": ");
    const title = await pick(other).getAttribute("title");
    assert.ok(title.startsWith(`The picked trace is a request to ${name} in ${service}; this one to `), title);
    await pick(second).click();
    await page.getByTestId("compare-summary").waitFor();
    assert.match(page.url(), new RegExp(`#/compare/${rows[first][0]}/${rows[second][0]}$`));
  }));
