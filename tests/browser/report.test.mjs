// The Report view as a team uses it before its feedback meeting: open the
// report of the shipped example, write a note and an owner on a finding,
// reload and find them again, save the report as JSON with them inside, and
// next time drop that JSON as the baseline to see which findings are new,
// still open or resolved. A saved JSON dropped with nothing loaded opens on
// its own, to go on editing and save again. Files that are not a report get
// a message and the page keeps working.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { dropFiles, startSite, textOf } from "./harness.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const EXAMPLE = { name: "shop.otlp.json", text: readFileSync(join(ROOT, "www", "examples", "shop.otlp.json"), "utf8") };
const NOTE = "Batch the card checks <b>before</b> the `charge` call";
const OWNER = "payments team";

let site;
before(async () => {
  site = await startSite();
});
after(async () => {
  await site?.close();
});

/** See `onPage` in harness.mjs. */
const onPage = (body) => site.onPage(body);

/** Drops the example and opens the report from the button at the top. */
async function openReport(page) {
  await dropFiles(page, [EXAMPLE]);
  await page.getByTestId("overview").waitFor();
  await page.getByTestId("open-report").click();
  await page.getByTestId("report-view").waitFor();
  await page.getByTestId("report-finding").first().waitFor();
}

/** Clicks a download button and returns the saved file's name and text. */
async function download(page, testId) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testId).click()]);
  return { name: file.suggestedFilename(), text: readFileSync(await file.path(), "utf8") };
}

/** The status of each finding on the report, in order. */
/** The files kept in the browser's storage for the next visit, as "Period: name". */
const keptFiles = (page) =>
  page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle("tracelens-kept");
    const index = await (await dir.getFileHandle("index.json")).getFile();
    return JSON.parse(await index.text()).files.map((f) => `${f.period}: ${f.name}`);
  });

/** Waits until the kept files satisfy `ok` (the store is written after the page changes). */
async function keptUntil(page, ok) {
  for (let i = 0; i < 100; i++) {
    const files = await keptFiles(page).catch(() => []);
    if (ok(files)) return files;
    await page.waitForTimeout(100);
  }
  assert.fail(`the kept files never became as expected: ${JSON.stringify(await keptFiles(page))}`);
}

const statuses = (page) =>
  page.locator('[data-testid="report-finding"]').evaluateAll((items) => items.map((li) => li.dataset.status ?? null));

test("the report of the example shows every section, and its findings are the analysis' findings", () =>
  onPage(async (page) => {
    await openReport(page);
    assert.match(page.url(), /#\/report$/);
    assert.equal(await page.getByTestId("report-title").getAttribute("placeholder"), "Tracelens report: 2 Nov 2026");
    assert.equal(await page.getByTestId("report-period-current").getAttribute("placeholder"), "2 Nov 2026");
    assert.equal(await page.getByTestId("report-period-baseline").count(), 0, "no baseline period without a baseline");
    const headlines = page.locator('[data-testid="report-headlines"] a');
    assert.ok((await headlines.count()) >= 3, "at least three headlines");
    assert.match(await headlines.first().innerText(), /^Critical finding: Error hotspot POST \/v1\/charges in payment/);
    for (const id of ["report-usage", "report-latency", "report-findings", "report-errors", "report-questions"]) {
      assert.equal(await page.locator(`#${id}`).count(), 1, `section #${id}`);
    }
    // A headline is a link to its section, and the report stays open.
    await headlines.first().click();
    await page.waitForFunction(() => location.hash === "#/report/findings");
    assert.equal(await page.getByTestId("report-view").count(), 1);
    // The same eight findings as the analysis page, most costly first; no status without a baseline.
    const detectors = await page.locator('[data-testid="report-finding"] .detector').allInnerTexts();
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
    assert.deepEqual(await statuses(page), Array(8).fill(null));
    // Back to the analysis, and forward again with the browser's buttons.
    await page.getByTestId("report-back").click();
    await page.getByTestId("findings").waitFor();
    assert.equal(await page.getByTestId("report-view").count(), 0);
    await page.goBack();
    await page.getByTestId("report-view").waitFor();
  }));

test("title, note, owner and state survive a reload and go into the saved JSON; that JSON is the next baseline", () =>
  onPage(async (page) => {
    await openReport(page);
    await page.getByTestId("report-title").fill("Shop, sprint 48");
    await page.getByTestId("report-period-current").fill("Sprint 48");
    const first = page.getByTestId("report-finding").first();
    await first.getByTestId("report-finding-note").fill(NOTE);
    await first.getByTestId("report-finding-owner").fill(OWNER);
    await first.getByTestId("report-finding-state").selectOption("fixing");

    // A reload loses the traces, not what was written about them.
    await page.reload();
    await page.getByTestId("drop-zone").waitFor();
    await dropFiles(page, [EXAMPLE]);
    await page.getByTestId("report-finding").first().waitFor(); // the address still says #/report
    assert.equal(await page.getByTestId("report-title").inputValue(), "Shop, sprint 48");
    assert.equal(await page.getByTestId("report-period-current").inputValue(), "Sprint 48");
    const again = page.getByTestId("report-finding").first();
    assert.equal(await again.getByTestId("report-finding-note").inputValue(), NOTE);
    assert.equal(await again.getByTestId("report-finding-owner").inputValue(), OWNER);
    assert.equal(await again.getByTestId("report-finding-state").inputValue(), "fixing");
    assert.equal(await page.getByTestId("report-finding").nth(1).getByTestId("report-finding-note").inputValue(), "");
    assert.match(await page.getByTestId("report-action-item").first().innerText(), new RegExp(`— ${OWNER}$`));

    // Saved as JSON with the edits inside: as the builder's options, not pasted on.
    const saved = await download(page, "report-download-json");
    assert.equal(saved.name, "report.json");
    const report = JSON.parse(saved.text);
    assert.equal(report.schema_version, 1);
    assert.equal(report.header.title, "Shop, sprint 48");
    assert.equal(report.header.current.name, "Sprint 48");
    assert.deepEqual(report.findings[0].tracking, { notes: NOTE, owner: OWNER, state: "fixing" });
    assert.equal(report.questions.action_items.find((a) => a.fingerprint === report.findings[0].fingerprint).owner, OWNER);
    assert.ok(saved.text.includes(NOTE.replaceAll('"', '\\"')), "the note is in the file as written");

    // HTML and Markdown: saved with the edits inside, from the same writers as the CLI's.
    for (const [testId, name, opening] of [
      ["report-download-html", "report.html", "<!DOCTYPE html>"],
      ["report-download-markdown", "report.md", "# Shop, sprint 48"],
    ]) {
      const file = await download(page, testId);
      assert.equal(file.name, name);
      assert.ok(file.text.startsWith(opening), `${name} starts with ${opening}: ${file.text.slice(0, 80)}`);
      assert.ok(file.text.includes(OWNER), `${name} names the owner`);
      assert.ok(file.text.includes("Sprint 48"), `${name} names the period as set`);
    }

    // Next period: the saved report as the baseline. To see every status from one
    // trace set, the previous report is edited as if the period had been different:
    // it did not have the last finding (new now), it had one that is gone
    // (resolved), and someone had written on the second finding (carried over).
    const previous = structuredClone(report);
    const [second, last] = [previous.findings[1], previous.findings[7]];
    second.tracking = { notes: "seen last sprint", owner: "cart team", state: "wont_fix" };
    previous.findings = previous.findings.filter((f) => f !== last);
    previous.findings.push({ ...last, fingerprint: "retries:0000000000000000", detector: "retries", label: "Retries" });
    await dropFiles(page, [{ name: "report.json", text: JSON.stringify(previous) }], { onto: "report-baseline-drop" });
    await page.waitForFunction(() => document.querySelector('[data-testid="report-finding"]')?.dataset.status);
    assert.deepEqual(await statuses(page), [...Array(7).fill("still_open"), "new", "resolved"]);
    assert.match(await textOf(page, "report-compared-with"), /^Compared with the previous report “Shop, sprint 48” \(Sprint 48\)\./);
    assert.equal(await page.getByTestId("report-period-baseline").getAttribute("placeholder"), "Sprint 48");
    const findings = page.getByTestId("report-finding");
    assert.equal(await findings.first().getByTestId("report-finding-note").inputValue(), NOTE, "this page's edits win");
    assert.equal(await findings.nth(1).getByTestId("report-finding-note").inputValue(), "seen last sprint");
    assert.equal(await findings.nth(1).getByTestId("report-finding-owner").inputValue(), "cart team");
    assert.equal(await findings.nth(1).getByTestId("report-finding-state").inputValue(), "wont_fix");
    assert.equal(await findings.last().locator(".detector").innerText(), "retries");
    assert.deepEqual(
      await page.locator('[data-testid="report-finding-status"]').allTextContents(),
      [...Array(7).fill("still open"), "new", "resolved"],
    );
    // The next export carries the statuses and the carried note.
    const next = JSON.parse((await download(page, "report-download-json")).text);
    assert.deepEqual(
      next.findings.map((f) => f.status),
      [...Array(7).fill("still_open"), "new", "resolved"],
    );
    assert.equal(next.findings[1].tracking.notes, "seen last sprint");
    assert.equal(next.header.baseline.source, "report");
    // A reload brings the traces and the previous report back, kept in this browser.
    await keptUntil(page, (files) => files.includes("Baseline: report.json"));
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid="report-finding"]')?.dataset.status);
    assert.deepEqual(await statuses(page), [...Array(7).fill("still_open"), "new", "resolved"]);
    assert.match(await textOf(page, "report-compared-with"), /^Compared with the previous report “Shop, sprint 48” \(Sprint 48\)\./);
    // Removing it leaves the report without a baseline, after a reload too.
    await page.getByTestId("report-baseline-clear").click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="report-finding"]')?.dataset.status);
    assert.deepEqual(await statuses(page), Array(8).fill(null));
    await keptUntil(page, (files) => !files.includes("Baseline: report.json"));
    await page.reload();
    await page.getByTestId("report-finding").first().waitFor();
    await page.waitForTimeout(1000);
    assert.deepEqual(await statuses(page), Array(8).fill(null), "the removed report stays removed");
    assert.match(await textOf(page, "report-compared-with"), /^No baseline/);
  }));

test("a file that is not a report, or a newer report, gets a message and the page keeps working", () =>
  onPage(async (page) => {
    await openReport(page);
    await dropFiles(page, [{ name: "odd.json", text: '{"schema_version": 1, "header": "not this"}' }], {
      onto: "report-baseline-drop",
    });
    const errors = page.getByTestId("baseline-load-error");
    await errors.first().waitFor();
    assert.match(await errors.first().innerText(), /^odd\.json: not a Tracelens report: /);
    await dropFiles(page, [{ name: "future.json", text: '{"schema_version": 99, "header": {}}' }], {
      onto: "report-baseline-drop",
    });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="baseline-load-error"]').length === 2);
    assert.match(
      await errors.nth(1).innerText(),
      /^future\.json: report schema_version 99 is not supported \(this build reads 1\)/,
    );
    // Neither became the baseline; the report is still there and still saves.
    assert.match(await textOf(page, "report-compared-with"), /^No baseline/);
    assert.equal(await page.getByTestId("report-finding").count(), 8);
    const saved = JSON.parse((await download(page, "report-download-json")).text);
    assert.equal(saved.findings.length, 8);
    // A report dropped as traces says where it belongs and changes nothing.
    await page.getByTestId("report-back").click();
    await dropFiles(page, [{ name: "report.json", text: JSON.stringify(saved) }]);
    await page.getByTestId("load-error").waitFor();
    assert.match(await textOf(page, "load-error"), /^report\.json: this is a Tracelens report, not traces\./);
    assert.equal(await textOf(page, "span-count"), "3,918");
  }));

/** The report of the example saved as JSON after a title and a note were written on it. */
async function savedReport() {
  let saved;
  await onPage(async (page) => {
    await openReport(page);
    await page.getByTestId("report-title").fill("Shop, sprint 48");
    await page.getByTestId("report-finding").first().getByTestId("report-finding-note").fill(NOTE);
    saved = (await download(page, "report-download-json")).text;
  });
  return saved;
}

test("a saved report opens with nothing loaded, as saved; edits survive a reload and go into every download", async () => {
  const saved = await savedReport();
  const original = JSON.parse(saved);
  const file = { name: "sprint-48.json", text: saved };
  const NEW_NOTE = "Checked again on Monday: still six card checks per charge";
  // A fresh browser profile: what shows comes from the file, not from storage.
  await onPage(async (page) => {
    await dropFiles(page, [file]);
    await page.getByTestId("report-saved").waitFor();
    assert.match(page.url(), /#\/report$/);
    assert.match(await textOf(page, "report-saved-what"), /^A saved report, opened from sprint-48\.json: 2 Nov 2026 \(3,918 spans in /);
    assert.match(await textOf(page, "report-saved-next"), /drop its trace files/);
    assert.equal(await page.getByTestId("drop-zone").count(), 0);
    assert.equal(await page.getByTestId("report-baseline-drop").count(), 0, "no baseline box without traces");
    assert.equal(await page.getByTestId("report-back").count(), 0, "no analysis to go back to");
    assert.equal(await page.getByTestId("open-report").count(), 0);
    for (const id of ["report-usage", "report-latency", "report-findings", "report-errors", "report-questions"]) {
      assert.equal(await page.locator(`#${id}`).count(), 1, `section #${id}`);
    }
    assert.equal(await page.locator('[data-testid="report-headlines"] a').count(), original.headlines.length);
    assert.equal(await page.getByTestId("report-usage-row").count(), original.usage.endpoints.length);
    assert.equal(await page.getByTestId("report-title").getAttribute("placeholder"), "Shop, sprint 48");
    const findings = page.getByTestId("report-finding");
    assert.equal(await findings.count(), original.findings.length);
    assert.equal(await findings.first().getByTestId("report-finding-note").inputValue(), NOTE, "the saved note");
    // Saved again untouched, it is the same file.
    assert.equal((await download(page, "report-download-json")).text, saved);

    await page.getByTestId("report-title").fill("Shop, sprint 48 review");
    await page.getByTestId("report-period-current").fill("Sprint 48");
    await findings.first().getByTestId("report-finding-note").fill(NEW_NOTE);
    await findings.first().getByTestId("report-finding-owner").fill(OWNER);
    await findings.nth(1).getByTestId("report-finding-state").selectOption("done");

    // A reload loses the file, not what was written on it: open it again.
    await page.reload();
    await page.getByTestId("drop-zone").waitFor();
    await dropFiles(page, [file]);
    await page.getByTestId("report-saved").waitFor();
    assert.equal(await page.getByTestId("report-title").inputValue(), "Shop, sprint 48 review");
    assert.equal(await page.getByTestId("report-period-current").inputValue(), "Sprint 48");
    assert.equal(await findings.first().getByTestId("report-finding-note").inputValue(), NEW_NOTE);
    assert.equal(await findings.first().getByTestId("report-finding-owner").inputValue(), OWNER);
    assert.equal(await findings.nth(1).getByTestId("report-finding-state").inputValue(), "done");

    // Every download has the new edits; the numbers are the saved ones.
    const json = JSON.parse((await download(page, "report-download-json")).text);
    assert.equal(json.header.title, "Shop, sprint 48 review");
    assert.equal(json.header.current.name, "Sprint 48");
    assert.deepEqual(json.findings[0].tracking, { notes: NEW_NOTE, owner: OWNER, state: "open" });
    assert.equal(json.findings[1].tracking.state, "done");
    const actions = json.questions.action_items.map((a) => a.fingerprint);
    assert.ok(original.questions.action_items.some((a) => a.fingerprint === original.findings[1].fingerprint));
    assert.ok(!actions.includes(json.findings[1].fingerprint), "a finding done is no action item");
    assert.equal(json.questions.action_items.find((a) => a.fingerprint === json.findings[0].fingerprint).owner, OWNER);
    for (const key of ["summary", "usage", "latency", "errors", "headlines"]) {
      assert.deepEqual(json[key], original[key], `${key} as saved`);
    }
    assert.deepEqual(
      json.findings.map(({ tracking, ...rest }) => rest),
      original.findings.map(({ tracking, ...rest }) => rest),
    );
    for (const testId of ["report-download-html", "report-download-markdown"]) {
      const text = (await download(page, testId)).text;
      assert.ok(text.includes(NEW_NOTE), `${testId} has the new note`);
      assert.ok(text.includes("Shop, sprint 48 review"), `${testId} has the new title`);
      assert.ok(!text.includes(NOTE.slice(0, 20)), `${testId} no longer has the old note`);
    }

    // The next period's traces, dropped on the page: its report, with the
    // saved one (and the edits made here) as the baseline.
    await dropFiles(page, [EXAMPLE]);
    await page.getByTestId("report-baseline-drop").waitFor();
    assert.equal(await page.getByTestId("report-saved").count(), 0);
    assert.match(await textOf(page, "report-compared-with"), /^Compared with the previous report “Shop, sprint 48 review” \(Sprint 48\)\./);
    await findings.first().waitFor();
    assert.deepEqual(await statuses(page), Array(8).fill("still_open"));
    assert.equal(await findings.first().getByTestId("report-finding-note").inputValue(), NEW_NOTE, "carried over");
    assert.equal(await findings.nth(1).getByTestId("report-finding-state").inputValue(), "done");
    await page.getByTestId("report-back").click();
    await page.getByTestId("overview").waitFor();
  });
});

test("a report that cannot be read, dropped with nothing loaded, gets a message and opens nothing", () =>
  onPage(async (page) => {
    await dropFiles(page, [{ name: "future.json", text: '{"schema_version": 99, "header": {}}' }]);
    await page.getByTestId("load-error").waitFor();
    assert.match(await textOf(page, "load-error"), /^future\.json: report schema_version 99 is not supported/);
    assert.equal(await page.getByTestId("report-view").count(), 0);
    assert.equal(await page.getByTestId("drop-zone").count(), 1);
  }));

test("names and messages from traces show as text in the report, never as markup", () =>
  onPage(async (page) => {
    const hostile = {
      service: '<img src=x onerror="window.pwned=1">',
      endpoint: "GET /<script>window.pwned=2</script>",
      type: "`Boom` \"quoted\" 'single'",
      message: '<img src=x onerror="window.pwned=3"> failed',
    };
    const attribute = (key, value) => ({ key, value: { stringValue: value } });
    const spans = [0, 1, 2].map((i) => ({
      traceId: `${"ab".repeat(15)}0${i}`,
      spanId: `${"cd".repeat(7)}0${i}`,
      name: hostile.endpoint,
      kind: 2,
      startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i) * 1_000_000_000n),
      endTimeUnixNano: String(1_700_000_000_050_000_000n + BigInt(i) * 1_000_000_000n),
      attributes: [attribute("http.request.method", "GET"), attribute("http.route", hostile.endpoint.slice(4))],
      status: { code: 2 },
      events: [
        {
          name: "exception",
          timeUnixNano: String(1_700_000_000_010_000_000n + BigInt(i) * 1_000_000_000n),
          attributes: [attribute("exception.type", hostile.type), attribute("exception.message", hostile.message)],
        },
      ],
    }));
    const doc = { resourceSpans: [{ resource: { attributes: [attribute("service.name", hostile.service)] }, scopeSpans: [{ spans }] }] };
    await dropFiles(page, [{ name: "hostile.json", text: JSON.stringify(doc) }]);
    await page.getByTestId("overview").waitFor();
    await page.getByTestId("open-report").click();
    // The engine makes the report in its worker: its sections arrive after the view.
    await page.getByTestId("report-errors").waitFor();
    const text = await textOf(page, "report-view");
    for (const value of [hostile.service, hostile.endpoint, hostile.type]) {
      assert.ok(text.includes(value), `shown as text: ${value}`);
    }
    // The message as the core folds it (the attribute's value becomes a placeholder).
    assert.match(await textOf(page, "report-errors"), /: <img src=x onerror="[^"]*"> failed — /);
    assert.equal(await page.locator('[data-testid="report-view"] img, [data-testid="report-view"] script').count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined, "nothing from the traces ran");
  }));
