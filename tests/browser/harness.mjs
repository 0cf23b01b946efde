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

/**
 * `TRACELENS_ENGINE_DELAY_MS=50 node --test tests/browser/`: every answer of
 * the engine reaches the page that much later (in order), as on a machine
 * too busy to run the engine's worker. A test that reads the page before
 * the answer it needs has come then fails every time, rather than once in a
 * hundred runs in CI.
 */
const ENGINE_DELAY_MS = Number(process.env.TRACELENS_ENGINE_DELAY_MS || 0);

/**
 * Runs in the page before its scripts: the messages of the page's workers
 * (the engine's answers) arrive `delayMs` late, and `window.__engine.hold()`
 * keeps them until `window.__engine.release()`, so a test can look at the
 * page while a question is out. As the browser does, a worker terminated (or
 * its handler replaced) meanwhile delivers nothing more.
 */
function controlEngine(delayMs) {
  const held = [];
  let holding = false;
  window.__engine = {
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const deliver of held.splice(0)) deliver();
    },
  };
  const RealWorker = window.Worker;
  window.Worker = class extends RealWorker {
    #handler = null;
    set onmessage(handler) {
      this.#handler = handler;
      const deliver = (event) => this.#handler === handler && handler.call(this, event);
      const arrive = (event) => (holding ? held.push(() => deliver(event)) : deliver(event));
      super.onmessage = handler && ((event) => (delayMs > 0 ? setTimeout(() => arrive(event), delayMs) : arrive(event)));
    }
    get onmessage() {
      return this.#handler;
    }
    terminate() {
      this.#handler = null;
      super.terminate();
    }
  };
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
     * `window.__violations`, from before its first script. With `holdEngine`
     * the test can hold the engine's answers (see `controlEngine`).
     */
    async open(contextOptions = {}, { holdEngine = false } = {}) {
      const context = await browser.newContext(contextOptions);
      await context.addInitScript(() => {
        window.__violations = [];
        document.addEventListener("securitypolicyviolation", (e) =>
          window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"}`),
        );
      });
      if (holdEngine || ENGINE_DELAY_MS > 0) await context.addInitScript(controlEngine, ENGINE_DELAY_MS);
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
     * Opens a page (with `options` as `open` takes them), runs `body` on
     * it, then checks that the page loaded its wasm module, stayed on its
     * own origin and logged no error.
     */
    async onPage(body, options = {}) {
      const session = await this.open({}, options);
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

/**
 * Waits until the trace list shows the engine's answer to the last question
 * the page asked it. The table is `aria-busy` from the moment the page reads
 * a new order or filter from the address until the answer's rows and count
 * are drawn, in one go. So call it once something the page draws from the
 * address shows the change (a header's `aria-sort`, a filter's value), not
 * when the address alone does: the page hears of a new address a moment
 * after it changes.
 */
export async function listAnswered(page) {
  await page.locator('[data-testid="trace-table"][aria-busy="false"]').waitFor();
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
