// A static file server for dist/, bound to 127.0.0.1 only: the site needs
// nothing but its own files. Used by `./dev serve` and the browser tests.
//
//   node scripts/serve.mjs [DIR] [PORT]      (PORT 0 picks a free one)

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Serves `root` on 127.0.0.1:`port`; resolves to the listening server.
 * `mounts` maps URL prefixes (like "/bench/") to further directories.
 */
export function serveStatic(root, port = 0, mounts = {}) {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
      const prefix = Object.keys(mounts).find((p) => path.startsWith(p));
      const base = resolve(prefix ? mounts[prefix] : root);
      let file = normalize(join(base, prefix ? path.slice(prefix.length) : path));
      if (!file.startsWith(base)) {
        res.writeHead(403).end("forbidden");
        return;
      }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-cache",
      });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  return new Promise((ready, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ready(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir = "dist", port = "8080"] = process.argv.slice(2);
  const server = await serveStatic(dir, Number(port)).catch((error) => {
    console.error(`cannot serve ${dir} on 127.0.0.1:${port}: ${error.message}`);
    process.exit(1);
  });
  console.log(`Tracelens is at http://127.0.0.1:${server.address().port}/  (Ctrl-C stops it)`);
}
