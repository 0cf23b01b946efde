// The service map as a person reads it: every service of a recorded capture
// as a box, every call between two services as an arrow with the counts the
// file gives, the databases it calls without tracing them as dashed boxes,
// and a click leading to the numbers and the service's traces.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { dropFiles, fixturePath, fixtureText, startSite, textOf } from "./harness.mjs";

const DEMO = "otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json";
const HOTROD = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";

let site;
before(async () => {
  site = await startSite();
});
after(async () => {
  await site?.close();
});

const onPage = (body) => site.onPage(body);

/** From the file itself: calls per caller→callee (a span whose parent is in
 * another service) and requests per service (spans whose parent is absent
 * or in another service). */
function expectedMap(relative) {
  const spans = new Map();
  for (const rs of JSON.parse(fixtureText(relative)).resourceSpans) {
    const service = rs.resource.attributes.find((a) => a.key === "service.name").value.stringValue;
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) spans.set(`${span.traceId}/${span.spanId}`.toLowerCase(), { ...span, service });
    }
  }
  const calls = new Map();
  const requests = new Map();
  const traces = new Map(); // caller->callee → trace IDs with such a call
  for (const span of spans.values()) {
    const parent = span.parentSpanId ? spans.get(`${span.traceId}/${span.parentSpanId}`.toLowerCase()) : undefined;
    if (!parent || parent.service !== span.service) requests.set(span.service, (requests.get(span.service) ?? 0) + 1);
    if (parent && parent.service !== span.service) {
      const key = `${parent.service}->${span.service}`;
      calls.set(key, (calls.get(key) ?? 0) + 1);
      traces.set(key, (traces.get(key) ?? new Set()).add(span.traceId.toLowerCase()));
    }
  }
  return { calls, requests, traces };
}

async function openMap(page, file) {
  await page.getByTestId("file-input").setInputFiles(fixturePath(file));
  await page.getByTestId("open-service-map").click();
  await page.getByTestId("service-node").first().waitFor();
  assert.match(page.url(), /#\/services$/);
}

for (const file of [DEMO, HOTROD]) {
  test(`the map of ${file.split("/")[1]} has the services and calls the file has`, () =>
    onPage(async (page) => {
      await openMap(page, file);
      const { calls, requests } = expectedMap(file);
      const edges = await page.getByTestId("service-edge").evaluateAll((els) =>
        els.map((e) => [`${e.dataset.caller}->${e.dataset.callee}`, Number(e.dataset.calls)]),
      );
      const nodes = await page.getByTestId("service-node").evaluateAll((els) =>
        els.map((e) => [e.dataset.name, Number(e.dataset.requests), e.classList.contains("untraced")]),
      );
      const traced = new Set(requests.keys());
      // Arrows between traced services: exactly the file's.
      assert.deepEqual(new Map(edges.filter(([key]) => key.split("->").every((s) => traced.has(s)))), calls);
      // Boxes: every service, with its requests; the rest are untraced peers.
      assert.deepEqual(new Map(nodes.filter(([, , untraced]) => !untraced).map(([name, n]) => [name, n])), requests);
      for (const [name, , untraced] of nodes.filter(([, , untraced]) => untraced)) {
        assert.ok(!traced.has(name), `${name} sent no spans`);
        assert.ok(edges.some(([key]) => key.endsWith(`->${name}`)), `${name} is called`);
      }
    }));
}

test("databases the demo calls without tracing them are dashed boxes; a failing call is marked", () =>
  onPage(async (page) => {
    await openMap(page, DEMO);
    const untraced = await page.locator('[data-testid="service-node"].untraced').evaluateAll((els) => els.map((e) => e.dataset.name).sort());
    assert.deepEqual(untraced, ["astronomy-db", "valkey-cart"]);
    // The load generator's request that timed out at the proxy (504).
    const failing = page.locator('[data-testid="service-edge"][data-caller="load-generator"][data-callee="frontend-proxy"]');
    assert.equal(await failing.getAttribute("data-errors"), "1");
    assert.match(await failing.getAttribute("class"), /failing/);
  }));

test("a click on a box shows its numbers and leads to its traces", () =>
  onPage(async (page) => {
    await openMap(page, HOTROD);
    await page.locator('[data-testid="service-node"][data-name="route"]').click();
    const panel = page.getByTestId("service-panel");
    await panel.waitFor();
    assert.match(await panel.innerText(), /Requests\s+10/);
    assert.match(await panel.innerText(), /Called by frontend\s+10 calls/);
    // Its operations, as the operation table counts them.
    assert.match(await panel.getByTestId("service-operations").innerText(), /^GET \/route\s+10 · p95 /);
    await panel.getByTestId("service-traces").first().click();
    await page.getByTestId("trace-row").first().waitFor();
    assert.match(page.url(), /#\/traces\?service=route$/);
    // A click on an arrow shows the call's numbers.
    await page.getByTestId("open-service-map").click();
    await page.locator('[data-testid="service-edge"][data-caller="driver"]').first().dispatchEvent("click");
    const calls = expectedMap(HOTROD).calls.get("driver->redis-manual");
    assert.match(await textOf(page, "service-panel"), new RegExp(`driver → redis-manual[\\s\\S]*Calls\\s+${calls}\\n`));
  }));

test("an arrow's calls lead to the traces that make them", () =>
  onPage(async (page) => {
    await openMap(page, DEMO);
    await page.locator('[data-testid="service-edge"][data-caller="frontend"][data-callee="cart"]').dispatchEvent("click");
    await page.getByTestId("service-panel").getByText("Traces with these calls").click();
    await page.getByTestId("trace-row").first().waitFor();
    assert.match(page.url(), /#\/traces\?call=frontend%20%E2%86%92%20cart$/);
    assert.match(await textOf(page, "filter-call"), /^Calls frontend → cart/);
    const expected = [...expectedMap(DEMO).traces.get("frontend->cart")].sort();
    const shown = (await page.getByTestId("trace-row").evaluateAll((rows) => rows.map((r) => r.dataset.traceId))).sort();
    assert.deepEqual(shown, expected);
    // The filter comes off with its ✕.
    await page.getByTestId("filter-call").getByRole("button").click();
    await page.waitForFunction(() => !location.hash.includes("call="));

    // An arrow to a database that sends no spans leads to the traces that call it too.
    await page.getByTestId("open-service-map").click();
    await page.locator('[data-testid="service-edge"][data-caller="cart"][data-callee="valkey-cart"]').dispatchEvent("click");
    await page.getByTestId("service-panel").getByText("Traces with these calls").click();
    await page.getByTestId("trace-row").first().waitFor();
    assert.match(page.url(), /#\/traces\?call=cart%20%E2%86%92%20valkey-cart$/);
    // From the file: traces with a span of `cart` that names `valkey-cart`.
    const calling = new Set();
    for (const rs of JSON.parse(fixtureText(DEMO)).resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === "service.name").value.stringValue;
      for (const span of rs.scopeSpans.flatMap((ss) => ss.spans)) {
        if (service === "cart" && span.attributes?.some((a) => a.value.stringValue === "valkey-cart")) calling.add(span.traceId.toLowerCase());
      }
    }
    assert.ok(calling.size > 0);
    const called = (await page.getByTestId("trace-row").evaluateAll((rows) => rows.map((r) => r.dataset.traceId))).sort();
    assert.deepEqual(called, [...calling].sort());
  }));

test("a box lists its service's operations even when other services' are busier", () =>
  onPage(async (page) => {
    // 120 operations of `busy`, two requests each, then one request of `quiet`:
    // the summary the page holds has the busiest 100 operations, none of `quiet`'s.
    const span = (service, name, n) => ({
      resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
      scopeSpans: [{
        spans: [{
          traceId: n.toString(16).padStart(32, "0"),
          spanId: n.toString(16).padStart(16, "0"),
          name,
          kind: 2,
          startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(n) * 1_000_000n),
          endTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(n) * 1_000_000n + 500_000n),
        }],
      }],
    });
    const resourceSpans = [];
    let n = 1;
    for (let op = 0; op < 120; op++) for (let r = 0; r < 2; r++) resourceSpans.push(span("busy", `GET /busy/${op}`, n++));
    resourceSpans.push(span("quiet", "GET /rare", n++));
    await dropFiles(page, [{ name: "many-operations.json", text: JSON.stringify({ resourceSpans }) }]);
    await page.getByTestId("open-service-map").click();
    await page.locator('[data-testid="service-node"][data-name="quiet"]').click();
    const operations = page.getByTestId("service-panel").getByTestId("service-operations");
    await operations.waitFor();
    assert.match(await operations.innerText(), /^GET \/rare\s+1 · p95 500µs/);
  }));
