// Trunk's post-build hook (Trunk.toml): finishes the built site in Trunk's
// staging folder before it becomes dist/. In order, since the second step
// hashes what the first wrote:
//   1. the Content-Security-Policy meta tag in index.html (csp.mjs);
//   2. the list of the site's files in the service worker (offline.mjs).

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withPolicy } from "./csp.mjs";
import { writeOfflineList } from "./offline.mjs";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("post-build: TRUNK_STAGING_DIR is not set (run by trunk build)");
  process.exit(1);
}
try {
  const index = join(dir, "index.html");
  writeFileSync(index, withPolicy(readFileSync(index, "utf8")));
  const site = writeOfflineList(dir);
  console.log(`post-build: CSP written; service worker keeps ${site.files.length} files (version ${site.version})`);
} catch (error) {
  console.error(`post-build: ${error.message}`);
  process.exit(1);
}
