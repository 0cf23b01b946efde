// The README's pictures of each view, taken from the built site on recorded
// captures every time the browser tests run, so a view that no longer draws
// fails here. A run writes them to target/screenshots/; with
// TRACELENS_SCREENSHOTS=docs it writes the README's copies in
// docs/screenshots/ instead (commit them when a view changes). Chromium's PNG
// bytes differ from run to run for the same picture, so an ordinary test run
// leaves the committed ones alone.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixturePath, startSite } from "./harness.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OUT =
  process.env.TRACELENS_SCREENSHOTS === "docs" ? join(ROOT, "docs", "screenshots") : join(ROOT, "target", "screenshots");
const HOTROD = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";
const DEMO = "otlp-json/jaeger-pr9263__otel-demo__error_timeout_masked.json";
const ROBOT = "otlp-jsonl/xtergo__robotframework-trace-report__otel-traces.jsonl";

let site;
before(async () => {
  site = await startSite();
});
after(async () => {
  await site?.close();
});

async function shoot(page, name) {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path });
  assert.ok(statSync(path).size > 20_000, `${name}.png holds a picture`);
}

async function wide(page) {
  await page.setViewportSize({ width: 1280, height: 860 });
}

test("screenshot: a finding's trace as a waterfall, a span's details open", () =>
  site.onPage(async (page) => {
    await wide(page);
    await page.getByTestId("file-input").setInputFiles(fixturePath(HOTROD));
    await page.getByTestId("finding").filter({ hasText: "n_plus_one" }).getByTestId("finding-example").click();
    await page.getByTestId("span-row").first().waitFor();
    await page.locator('[data-testid="span-row"].evidence').nth(2).click();
    await page.getByTestId("detail-attributes").waitFor();
    await page.getByTestId("trace-finding").scrollIntoViewIfNeeded();
    await shoot(page, "waterfall");
  }));

test("screenshot: the service map", () =>
  site.onPage(async (page) => {
    await wide(page);
    await page.getByTestId("file-input").setInputFiles(fixturePath(DEMO));
    await page.getByTestId("open-service-map").click();
    await page.getByTestId("service-node").first().waitFor();
    await shoot(page, "service-map");
  }));

test("screenshot: a slow request against a typical one", () =>
  site.onPage(async (page) => {
    await wide(page);
    await page.getByTestId("file-input").setInputFiles(fixturePath(ROBOT));
    await page.getByTestId("trace-row").first().waitFor();
    await page.evaluate(() => (location.hash = `#/traces?endpoint=${encodeURIComponent("essvt-core: GET /v2/executions")}`));
    await page.waitForFunction(() => /match/.test(document.querySelector('[data-testid="trace-list-count"]').textContent));
    await page.getByTestId("trace-link").first().click();
    await page.getByTestId("compare-typical").click();
    await page.getByTestId("compare-summary").waitFor();
    await shoot(page, "compare");
  }));
