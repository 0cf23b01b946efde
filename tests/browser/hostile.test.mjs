// Hostile and broken files through the page, as SECURITY.md promises: each
// gets the same message as from the CLI (or is read with its problems
// counted), the page answers, the file loaded before stays, and the page
// keeps working. The files come from the CLI's generators (`tracelens
// generate-hostile CASE --small`: past every limit at a hundredth of the
// issue's sizes); the core's and the CLI's own suites
// (crates/core/tests/hostile.rs, crates/cli/tests/hostile.rs) run every case
// at full size too. Set TRACELENS_BIN to a built `tracelens` to skip `cargo run`.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturePath, startSite, textOf, tracelens } from "./harness.mjs";

const HOTROD = "otlp-json/jaeger-pr9263__hotrod__n_plus_one_full_serial.json";
const HOTROD_TRACE = "fe65c5beefbe4e96119efbba3da07e99";

/** The cases the CLI can write, from its own help. */
function hostileCases() {
  const help = tracelens("generate-hostile", "--help");
  // Help text is wrapped to the terminal's width (COLUMNS): the list may span lines.
  return help
    .match(/possible values: ([^\]]+)\]/)[1]
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
}

/** What `tracelens analyze` says of one file: its exit code and its message (without the path). */
function cliVerdict(path) {
  const [command, prefix] = process.env.TRACELENS_BIN
    ? [process.env.TRACELENS_BIN, []]
    : ["cargo", ["run", "-q", "-p", "tracelens-cli", "--"]];
  const run = spawnSync(command, [...prefix, "analyze", path], { encoding: "utf8", maxBuffer: 64 << 20 });
  const line = run.stderr.split("\n").find((l) => l.startsWith(`tracelens: ${path}: `));
  return { status: run.status, message: line?.slice(`tracelens: ${path}: `.length) ?? null };
}

let site;
let files;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "tracelens-hostile-"));
  for (const name of hostileCases()) tracelens("generate-hostile", name, "--small", "--out", dir);
  // A million opening brackets: the format sniffer once recursed per bracket.
  writeFileSync(join(dir, "brackets.json"), "[".repeat(1_000_000));
  files = readdirSync(dir)
    .sort()
    .map((name) => ({ name, path: join(dir, name), ...cliVerdict(join(dir, name)) }));
  site = await startSite();
});
after(async () => {
  await site?.close();
});

test("every hostile file gets the CLI's message or is read with its problems counted; the file loaded before stays and the page keeps working", () =>
  site.onPage(async (page) => {
    const refused = files.filter((f) => f.message !== null);
    const read = files.filter((f) => f.message === null);
    assert.ok(refused.length >= 10 && read.length >= 10, `both kinds: ${refused.length} refused, ${read.length} read`);
    for (const f of refused) assert.equal(f.status, 2, `the CLI exits 2 on ${f.name}`);
    for (const f of read) assert.equal(f.status, 0, `the CLI reads ${f.name}`);

    await page.getByTestId("file-input").setInputFiles(fixturePath(HOTROD));
    await page.getByTestId("overview").waitFor();
    assert.equal(await textOf(page, "span-count"), "40");

    await page.getByTestId("file-input").setInputFiles(files.map((f) => f.path));
    const expectedFiles = String(1 + read.length);
    await page.waitForFunction((n) => document.querySelector('[data-testid="file-count"]')?.textContent === n, expectedFiles, {
      timeout: 120_000,
    });
    const shown = await page.locator('[data-testid="load-error"] .message').allTextContents();
    assert.equal(shown.length, refused.length, shown.join("\n"));
    for (const f of refused) {
      assert.ok(shown.includes(`${f.name}: ${f.message}`), `the CLI's message for ${f.name}: ${f.message}\npage: ${shown.join("\n")}`);
    }
    const reports = await page.getByTestId("file-report").allTextContents();
    for (const f of read) assert.ok(reports.some((r) => r.startsWith(f.name)), `a report row for ${f.name}`);
    assert.ok(reports.some((r) => r.startsWith("hotrod") || r.includes("n_plus_one")), "the file loaded before is still there");

    // Still usable: the HotROD trace opens as a waterfall, and so does every trace of the parent cycle.
    await page.goto(`${site.origin}/#/trace/${HOTROD_TRACE}`);
    // The first answer holds a screenful of rows; the rest follow after it is painted.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="span-row"]').length >= 40);
    assert.equal(await page.getByTestId("span-row").count(), 40);
  }));

test("a file changed on disk while the load reads the one before it gets a message; the rest of the load stays", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tracelens-changing-"));
  const [first, changing] = [join(dir, "first.json"), join(dir, "changing.json")];
  // Big enough that the engine is still on it when the second file changes.
  tracelens("generate", "--compact", "--traces", "3000", "--seed", "3", "--out", first);
  writeFileSync(changing, readFileSync(fixturePath(HOTROD)));
  await site.onPage(async (page) => {
    await page.getByTestId("file-input").setInputFiles([first, changing]);
    // As an editor saving the file again would: new bytes, a new modification time.
    writeFileSync(changing, `${readFileSync(fixturePath(HOTROD), "utf8")}\n`);
    utimesSync(changing, new Date(), new Date(Date.now() + 5_000));
    const message = page.getByTestId("load-error");
    await message.waitFor({ timeout: 60_000 });
    assert.match(await message.innerText(), /^changing\.json: the browser could not read the file .*changed or removed while it was read\?/);
    assert.equal(await textOf(page, "file-count"), "1", "the first file is loaded");
  });
});
