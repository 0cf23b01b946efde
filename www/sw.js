// Tracelens's service worker: keeps the site's own files in this browser so
// the app opens and works with the network off, after one visit online.
//
// What it keeps is the list below, written by the build (scripts/post-build):
// the files of this one version of the site, under a cache named after a hash
// of their contents. It answers only requests for those files. Trace data
// never reaches it: dropped and picked files are read from disk as File
// objects, and the copies kept for a reload live in the origin's private file
// system; neither goes through fetch, so neither can be cached here.
//
// A new version: the browser fetches this script again (bypassing the HTTP
// cache, see the registration's updateViaCache) when the page is opened
// online. A changed list makes a new worker that fills a new cache beside the
// old one, and it takes over once no tab runs the old version, or when the
// page asks it to after the person agrees to reload: then every tab of the
// old version reloads (crates/web/src/offline.rs), so no tab goes on with the
// old page and the new engine (whose files keep their names).

/* The build replaces the object between the markers. */
const SITE = /* site-files */ { version: "unbuilt", files: [] } /* site-files */;

const SCOPE = new URL("./", self.location.href).href;
// Named after the folder too: two copies of the site in two folders of one
// origin keep a cache each, and an update of one leaves the other's alone.
const CACHE_PREFIX = `tracelens-site ${SCOPE} `;
const CACHE = CACHE_PREFIX + SITE.version;
const INDEX = new URL("index.html", SCOPE).href;
const FILES = new Set(SITE.files.map((file) => new URL(file, SCOPE).href));

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      // `reload`: the files themselves, not what the HTTP cache held.
      cache.addAll([...FILES].map((url) => new Request(url, { cache: "reload" }))),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE).map((name) => caches.delete(name)),
        ),
      ),
  );
});

self.addEventListener("message", (event) => {
  // The page sends this when the person chose to reload into the new version.
  if (event.data === "take-over") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  url.hash = "";
  url.search = "";
  let key = url.href;
  if (key === SCOPE && request.mode === "navigate") key = INDEX;
  // Anything else is not ours to answer: the browser handles it as if there
  // were no service worker.
  if (!FILES.has(key)) return;
  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(key))
      .then((kept) => kept || fetch(request)),
  );
});
