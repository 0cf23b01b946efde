// Shared by the wasm measurement tools (wasm-ab.mjs, wasm-profile.mjs): a
// shop file of a given size, and a headless Chromium page that has loaded one
// or more builds of the web crate's wasm module side by side.
//
// A "build" is a directory holding `tracelens-web.js` and
// `tracelens-web_bg.wasm` as wasm-bindgen writes them. Make one from the
// current tree (release, function names kept because wasm-opt is not run):
//
//   cargo build --release --target wasm32-unknown-unknown -p tracelens-web
//   wasm-bindgen target/wasm32-unknown-unknown/release/tracelens-web.wasm \
//     --target web --no-typescript --out-dir /tmp/builds/NAME

import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "../../scripts/serve.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Writes the shop with at least `spans` spans as compact OTLP JSON into `dir`; returns the file name. */
export function shopFile(dir, spans) {
  const name = `shop-${spans}.json`;
  // About nine spans per trace: a few more traces so the file holds at least `spans`.
  const traces = String(Math.ceil(spans / 8.5));
  const json = execFileSync(
    "cargo",
    ["run", "-q", "--release", "-p", "tracelens-cli", "--", "generate", "--compact", "--traces", traces],
    { cwd: ROOT, maxBuffer: 2 ** 31 - 1 },
  );
  writeFileSync(join(dir, name), json);
  return name;
}

/**
 * Opens a page with each build of `builds` (directories) loaded as
 * `window.builds[i]`, and the shop at `spans` spans as `window.bytes`.
 * Returns { browser, page, close }.
 */
export async function pageWithBuilds(builds, spans) {
  const site = mkdtempSync(join(tmpdir(), "tracelens-wasm-"));
  const imports = builds.map((build, i) => {
    const dir = resolve(build);
    if (!existsSync(join(dir, "tracelens-web_bg.wasm"))) throw new Error(`${dir}: no tracelens-web_bg.wasm`);
    cpSync(dir, join(site, `b${i}`), { recursive: true });
    return `import init${i}, * as b${i} from "./b${i}/tracelens-web.js";
await init${i}({ module_or_path: "./b${i}/tracelens-web_bg.wasm" });`;
  });
  const data = shopFile(site, spans);
  writeFileSync(
    join(site, "index.html"),
    `<!doctype html><body><script type="module">
${imports.join("\n")}
window.builds = [${builds.map((_, i) => `b${i}`).join(", ")}];
window.bytes = new Uint8Array(await (await fetch("./${data}")).arrayBuffer());
window.text = new TextDecoder().decode(window.bytes);
window.ready = true;
</script></body>`,
  );
  const server = await serveStatic(site, 0);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--js-flags=--expose-gc", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.ready, null, { timeout: 120_000 });
  return {
    page,
    close: async () => {
      await browser.close();
      server.close();
    },
  };
}
