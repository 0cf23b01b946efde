// Shared set-up for the browser tests: serve dist/ on 127.0.0.1, start
// headless Chromium, and record every request so tests can check that the
// page never talks to another origin.

import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "../../scripts/serve.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIXTURES = join(ROOT, "tests", "fixtures");

export function fixturePath(relative) {
  return join(FIXTURES, relative);
}

export function fixtureText(relative) {
  return readFileSync(fixturePath(relative), "utf8");
}

/** Headless Chromium as every browser test runs it. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // As root Chromium needs --no-sandbox; the network flags stop it from
    // calling home, which would also pollute the request log.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** Starts the server and the browser once per test file. */
export async function startSite() {
  const server = await serveStatic(join(ROOT, "dist"), 0);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  return {
    origin,
    /**
     * A fresh page on the site, with its request log and page errors; the
     * page keeps the Content-Security-Policy violations it reports in
     * `window.__violations`, from before its first script.
     */
    async open(contextOptions = {}) {
      const context = await browser.newContext(contextOptions);
      await context.addInitScript(() => {
        window.__violations = [];
        document.addEventListener("securitypolicyviolation", (e) =>
          window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"}`),
        );
      });
      const requests = [];
      const errors = [];
      context.on("request", (request) => requests.push(request.url()));
      const page = await context.newPage();
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      await page.goto(`${origin}/`);
      await page.getByTestId("drop-zone").waitFor();
      return { page, context, requests, errors };
    },
    /**
     * Opens a page, runs `body` on it, then checks that the page loaded its
     * wasm module, stayed on its own origin and logged no error.
     */
    async onPage(body) {
      const session = await this.open();
      try {
        await body(session.page);
        assert.ok(session.requests.some((url) => url.endsWith(".wasm")), "the request log works: it saw the wasm module");
        const foreign = session.requests.filter((url) => !url.startsWith(`${origin}/`));
        assert.deepEqual(foreign, [], "requests to other origins");
        assert.deepEqual(await session.page.evaluate(() => window.__violations), [], "Content-Security-Policy violations");
        assert.deepEqual(session.errors, [], "errors in the page");
      } finally {
        await session.context.close();
      }
    },
    async close() {
      await browser.close();
      await new Promise((done) => server.close(done));
    },
  };
}

/**
 * Drops files on the page the way a browser does: dragenter, dragover, drop;
 * on the element with data-testid `onto` if given, else on the page's body.
 */
export async function dropFiles(page, files, { checkOverlay, onto } = {}) {
  const dataTransfer = await page.evaluateHandle((files) => {
    const transfer = new DataTransfer();
    for (const { name, text } of files) transfer.items.add(new File([text], name, { type: "application/json" }));
    return transfer;
  }, files);
  const fire = (type) =>
    page.evaluate(
      ([type, transfer, onto]) =>
        (onto ? document.querySelector(`[data-testid="${onto}"]`) : document.body).dispatchEvent(
          new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }),
        ),
      [type, dataTransfer, onto],
    );
  await fire("dragenter");
  await fire("dragover");
  if (checkOverlay) await checkOverlay();
  await fire("drop");
}

/** The visible text of an element found by its data-testid. */
export async function textOf(page, testId) {
  return (await page.getByTestId(testId).innerText()).trim();
}

/**
 * Runs the `tracelens` CLI (TRACELENS_BIN if set, else `cargo run`) and
 * returns what it printed.
 */
export function tracelens(...args) {
  const [command, prefix] = process.env.TRACELENS_BIN
    ? [process.env.TRACELENS_BIN, []]
    : ["cargo", ["run", "-q", "-p", "tracelens-cli", "--"]];
  return execFileSync(command, [...prefix, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

/**
 * The JSON text at `path` with every string (keys' values and array items)
 * equal to a key of `renames` replaced by its value: names of a generated
 * trace set made hostile.
 */
export function renamedJson(path, renames) {
  const rename = (value) => {
    if (typeof value === "string") return renames[value] ?? value;
    if (Array.isArray(value)) return value.map(rename);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rename(v)]));
    }
    return value;
  };
  return JSON.stringify(rename(JSON.parse(readFileSync(path, "utf8"))));
}
