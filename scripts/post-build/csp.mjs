// The site's Content-Security-Policy, written into the built index.html as a
// <meta> tag (a static host may not let a team set headers).
//
// The policy allows the site's own origin and nothing else: scripts, the wasm
// modules, the engine's worker, the service worker, styles, images and
// connections. Trunk writes one inline module script into index.html (it
// starts the app's wasm); it is allowed by the sha256 of its exact text, so no
// other inline script can run. `'wasm-unsafe-eval'` is what compiling
// WebAssembly needs; plain `'unsafe-eval'` is never allowed.

import { createHash } from "node:crypto";

/** The directives besides `script-src`, which carries the inline hashes. */
const DIRECTIVES = [
  "default-src 'none'",
  "connect-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
];

const INLINE_SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script>/g;

/** The policy for a page whose inline scripts are `inlineScripts` (their exact text). */
export function policyFor(inlineScripts) {
  const hashes = inlineScripts.map((text) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`);
  const scripts = ["script-src 'self' 'wasm-unsafe-eval'", ...hashes].join(" ");
  return [DIRECTIVES[0], scripts, ...DIRECTIVES.slice(1)].join("; ");
}

/**
 * `html` with the policy as the first element after `<meta charset>`, so it
 * governs everything the page loads. Throws if the page already has a policy
 * or has no charset tag to anchor it (the build must then be looked at).
 */
export function withPolicy(html) {
  if (/http-equiv=["']?Content-Security-Policy/i.test(html)) {
    throw new Error("index.html already has a Content-Security-Policy");
  }
  const inline = [...html.matchAll(INLINE_SCRIPT)]
    .filter(([, attributes]) => !/\bsrc=/.test(attributes))
    .map(([, , text]) => text);
  const policy = policyFor(inline);
  const charset = /<meta charset="utf-8"\s*\/?>/i;
  if (!charset.test(html)) throw new Error('index.html has no <meta charset="utf-8"> to put the policy after');
  return html.replace(charset, (tag) => `${tag}\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`);
}
