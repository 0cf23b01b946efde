// Offline use, as SECURITY.md promises it: after one visit online the site
// opens and analyses a file with the network off; what the browser keeps is
// the site's own files and never a trace; and a new version of the site is
// found when online and taken only when the person agrees to reload.
//
// Each test serves its own copy of dist/, so it can stop the server (the
// network is gone) or change the site (a new version).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixturePath, launchChromium } from "./harness.mjs";
import { serveStatic } from "../../scripts/serve.mjs";
import { siteFiles } from "../../scripts/post-build/offline.mjs";

const DIST = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist");
const TRACES = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** A copy of the built site, served on a free port of 127.0.0.1. */
async function serveCopy() {
  const dir = mkdtempSync(join(tmpdir(), "tracelens-site-"));
  cpSync(DIST, dir, { recursive: true });
  const server = await serveStatic(dir, 0);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const stop = () => {
    const closed = new Promise((done) => server.close(done));
    // Keep-alive connections would otherwise go on answering.
    server.closeAllConnections();
    return closed;
  };
  return { dir, origin, stop };
}

/** Every URL the page's origin keeps in its caches. */
function cachedUrls(page) {
  return page.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(`${name} ${request.url}`);
    }
    return urls.sort();
  });
}

const offlineState = (page) => page.getByTestId("offline-status").getAttribute("data-state");

test("after one visit the site opens and analyses a file with the network off; the browser keeps the site, never a trace", async () => {
  const site = await serveCopy();
  const context = await browser.newContext();
  const errors = [];
  try {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${site.origin}/`);
    assert.match(await page.getByTestId("privacy-note").innerText(), /read in this tab and sent nowhere/);
    await page.locator('[data-testid="offline-status"][data-state="ready"]').waitFor();
    assert.match(await page.getByTestId("offline-status").innerText(), /opens with the network off/);

    await site.stop();
    await context.setOffline(true);
    await page.reload();
    await page.getByTestId("drop-zone").waitFor();
    await page.getByTestId("file-input").setInputFiles(fixturePath(TRACES));
    await page.getByTestId("overview").waitFor();
    await page.getByTestId("trace-link").first().click();
    await page.getByTestId("span-row").first().waitFor();

    const kept = await cachedUrls(page);
    const files = siteFiles(site.dir).filter((f) => f !== "sw.js");
    assert.equal(kept.length, files.length, "one entry per file of the site");
    for (const entry of kept) {
      const path = entry.split(` ${site.origin}/`).at(-1);
      assert.ok(files.includes(path), `a file of the site: ${entry}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await site.stop().catch(() => {});
  }
});

test("a new version is found online and taken when the person reloads into it, in every tab", async () => {
  const site = await serveCopy();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${site.origin}/`);
    await page.locator('[data-testid="offline-status"][data-state="ready"]').waitFor();
    const before = await cachedUrls(page);

    // A new build: its file list has a new version.
    const worker = join(site.dir, "sw.js");
    const source = readFileSync(worker, "utf8");
    const version = source.match(/"version":"([0-9a-f]+)"/)[1];
    writeFileSync(worker, source.replace(version, "0123456789abcdef"));

    // A second tab of the old version.
    const other = await context.newPage();
    await other.goto(`${site.origin}/`);
    await other.getByTestId("drop-zone").waitFor();

    await page.reload();
    await page.locator('[data-testid="offline-status"][data-state="update"]').waitFor();
    assert.match(await page.getByTestId("offline-status").innerText(), /new version/);
    // Taken in one tab, it reloads every tab: none goes on with the old page and the new engine.
    await Promise.all([page.waitForEvent("load"), other.waitForEvent("load"), page.getByTestId("offline-update").click()]);
    await page.locator('[data-testid="offline-status"][data-state="ready"]').waitFor();
    const now = await cachedUrls(page);
    assert.ok(now.every((entry) => entry.startsWith(`tracelens-site ${site.origin}/ 0123456789abcdef `)), `only the new version is kept: ${now[0]}`);
    assert.equal(now.length, before.length);
    assert.equal(await offlineState(page), "ready");
  } finally {
    await context.close();
    await site.stop().catch(() => {});
  }
});
