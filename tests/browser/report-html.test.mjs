// The report's HTML as a person gets it: one file, opened from disk (a mail
// attachment, a download) in headless Chromium. Every request the page
// tries is recorded and aborted: there must be none. Every section renders,
// the charts draw, no script or dialog runs, the Content-Security-Policy is
// never violated, and names made of markup read as text.
//
// The file is written by the CLI from generated traces: a healthy shop as
// the baseline, the shop with its patterns planted as this period (so
// endpoints change and findings appear), with services, span names and an
// exception message renamed to hostile strings. Set TRACELENS_BIN to a
// built `tracelens` to skip `cargo run`.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { launchChromium, renamedJson, tracelens } from "./harness.mjs";

const SECTIONS = ["header", "headlines", "usage", "latency", "findings", "errors", "questions"];
const TITLE = `Sprint <script>alert("title")</script> & "review"`;
const HOSTILE = {
  cart: `<script>alert("cart")</script>`,
  payment: `</style><img src=x onerror=alert(1)>`,
  "GET /cart": "GET /cart\"'><svg onload=alert(2)>|`tick`",
  "card declined": "card <b>declined</b> \u202Edesrever",
};

/** The OTLP JSON file at `path`, its names made hostile. */
function hostile(path) {
  writeFileSync(path, renamedJson(path, HOSTILE));
}

let browser;
let file;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "tracelens-report-"));
  const [baseline, current] = [join(dir, "last-sprint.json"), join(dir, "this-sprint.json")];
  tracelens("generate", "--compact", "--patterns", "none", "--traces", "300", "--seed", "1", "--out", baseline);
  tracelens("generate", "--compact", "--patterns", "all", "--traces", "300", "--seed", "2", "--out", current);
  hostile(baseline);
  hostile(current);
  file = join(dir, "report.html");
  tracelens("report", current, "--baseline", baseline, "--out", file, "--title", TITLE);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Opens the report from disk with every request recorded and aborted. */
async function openReport(body) {
  const context = await browser.newContext();
  const url = pathToFileURL(file).href;
  const requests = [];
  const dialogs = [];
  const errors = [];
  context.on("request", (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  await context.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()));
  const page = await context.newPage();
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss();
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  // Counts Content-Security-Policy violations (the test's own script, not the page's).
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective));
  });
  try {
    await page.goto(url);
    await body(page);
    assert.deepEqual(await page.evaluate(() => window.__violations), [], "CSP violations");
    assert.deepEqual(requests, [], "requests made by the report");
    assert.deepEqual(dialogs, [], "dialogs opened by the report");
    assert.deepEqual(errors, [], "errors in the page");
  } finally {
    await context.close();
  }
}

test("every section of the report renders from one file with no request", async () => {
  await openReport(async (page) => {
    assert.equal(await page.title(), TITLE);
    assert.equal((await page.locator("h1").innerText()).trim(), TITLE);
    for (const id of SECTIONS) {
      const section = page.locator(`section#${id}`);
      assert.ok(await section.isVisible(), `section #${id} is shown`);
      assert.ok((await section.locator("h2").innerText()).trim().length > 0, `#${id} has a heading`);
      assert.equal(await page.locator(`nav a[href="#${id}"]`).count(), 1, `the header links to #${id}`);
    }
    // Headlines link to their sections, and those exist.
    const targets = await page.locator("#headlines a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    assert.ok(targets.length >= 3, `headlines: ${targets}`);
    for (const target of targets) assert.equal(await page.locator(target).count(), 1, target);
    // Usage and latency tables have rows; findings have their facts.
    assert.ok((await page.locator("#usage tbody tr").count()) > 3);
    assert.ok((await page.locator("#latency tbody tr").count()) > 3);
    const findings = page.locator("#findings article.finding");
    assert.ok((await findings.count()) >= 3);
    const facts = await findings.first().locator("dt").allInnerTexts();
    for (const fact of ["Where", "Cost", "Example traces", "Next step", "Owner", "State"]) {
      assert.ok(facts.includes(fact), `${fact} in ${facts}`);
    }
    // The endpoints that changed are drawn: bars of both periods in each chart.
    const charts = page.locator("#latency figure svg");
    assert.ok((await charts.count()) >= 1, "at least one histogram");
    const box = await charts.first().boundingBox();
    assert.ok(box.width > 100 && box.height > 40, `chart size ${JSON.stringify(box)}`);
    assert.ok((await charts.first().locator('rect[fill="#b8b8b8"]').count()) > 0, "baseline bars");
    assert.ok((await charts.first().locator('rect[fill="#2f6fde"]').count()) > 0, "current bars");
  });
});

test("names made of markup are text: no script, image or handler exists", async () => {
  await openReport(async (page) => {
    const found = await page.evaluate(() => ({
      active: document.querySelectorAll("script, img, iframe, object, embed, link, form, base, b").length,
      handlers: [...document.querySelectorAll("*")].flatMap((el) =>
        [...el.attributes].filter((a) => a.name.startsWith("on")).map((a) => `${el.tagName} ${a.name}`),
      ),
      styles: document.querySelectorAll("style").length,
      text: document.body.innerText,
    }));
    assert.equal(found.active, 0, "active or injected elements");
    assert.deepEqual(found.handlers, []);
    assert.equal(found.styles, 1, "only the report's own stylesheet");
    for (const name of [HOSTILE.cart, HOSTILE.payment, "<b>declined</b>"]) {
      assert.ok(found.text.includes(name), `${name} shown as text`);
    }
    // The right-to-left override is shown as an escape, not obeyed.
    assert.ok(!found.text.includes("\u202E"));
    assert.ok(found.text.includes("\\u{202e}desrever"), "the override is visible");
  });
});

test("printing starts each section on a new page and keeps rows whole", async () => {
  await openReport(async (page) => {
    await page.emulateMedia({ media: "print" });
    const style = await page.evaluate(() => ({
      usage: getComputedStyle(document.querySelector("section#usage")).breakBefore,
      row: getComputedStyle(document.querySelector("#latency tbody tr")).breakInside,
      finding: getComputedStyle(document.querySelector(".finding")).breakInside,
      nav: getComputedStyle(document.querySelector("nav")).display,
    }));
    assert.deepEqual(style, { usage: "page", row: "avoid", finding: "avoid", nav: "none" });
    const pdf = await page.pdf({ format: "A4" });
    assert.ok(pdf.length > 10_000, `a PDF of ${pdf.length} bytes`);
  });
});
