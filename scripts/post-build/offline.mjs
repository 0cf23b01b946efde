// Writes the list of the site's files, and a version made from their
// contents, into the built service worker (www/sw.js), which keeps exactly
// those files for offline use. Run after the CSP is written: index.html is
// one of the files, and its final bytes are part of the version.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

export const WORKER = "sw.js";
const MARKER = "/* site-files */";

/** Every file under `dir`, as sorted paths relative to it with `/` separators. */
export function siteFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)).split(sep).join("/"))
    .sort();
}

/** Fills in the service worker in `dir` with the files beside it. */
export function writeOfflineList(dir) {
  const files = siteFiles(dir).filter((file) => file !== WORKER);
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(file).update("\0").update(readFileSync(join(dir, file))).update("\0");
  }
  const site = { version: hash.digest("hex").slice(0, 16), files };
  const path = join(dir, WORKER);
  const source = readFileSync(path, "utf8");
  const parts = source.split(MARKER);
  if (parts.length !== 3) throw new Error(`${WORKER}: expected the site list between two ${MARKER} markers`);
  writeFileSync(path, [parts[0], ` ${JSON.stringify(site)} `, parts[2]].join(MARKER));
  return site;
}
