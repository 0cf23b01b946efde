//! What each file of the site is sent as: its Content-Type and how long a
//! browser may keep it.
//!
//! The types matter beyond display: `application/wasm` is required for
//! `WebAssembly.instantiateStreaming` (the browser refuses to compile a
//! module sent as anything else), and with `X-Content-Type-Options: nosniff`
//! a script sent as anything but a JavaScript type does not run.

/// The Content-Type of a file called `name`, by its extension.
pub fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase());
    match extension.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        Some("webmanifest") => "application/manifest+json",
        // Anything else is a download, never something the browser guesses at.
        _ => "application/octet-stream",
    }
}

/// The Cache-Control of a file called `name`.
///
/// Trunk names the app's scripts, modules and styles after a hash of their
/// content (`tracelens-web-1a2b3c4d5e6f7a8b_bg.wasm`): such a name never
/// changes content, so the browser may keep it. Everything else, the page
/// and the service worker (`sw.js`) above all, must be checked on every
/// load, or a browser would keep an old page that names hashed files a new
/// release no longer has.
pub fn cache_control(name: &str) -> &'static str {
    if is_content_hashed(name) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// Whether `name` carries a content hash as Trunk writes one: `-` then 12 to
/// 16 hex digits (a 64-bit hash printed without leading zeros), then `.` or
/// `_` (`_bg.wasm`). Fewer digits could be a version or a date.
fn is_content_hashed(name: &str) -> bool {
    if name.ends_with(".html") || name == "sw.js" {
        return false;
    }
    name.match_indices('-').any(|(at, _)| {
        let rest = &name[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        (12..=16).contains(&digits) && matches!(rest.as_bytes().get(digits), Some(b'.' | b'_'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_files_get_their_types() {
        for (name, expected) in [
            ("index.html", "text/html; charset=utf-8"),
            ("tracelens-web-0123456789abcdef.js", "text/javascript; charset=utf-8"),
            ("tracelens-web-0123456789abcdef_bg.wasm", "application/wasm"),
            ("style-0123456789abcdef.css", "text/css; charset=utf-8"),
            ("favicon-0123456789abcdef.svg", "image/svg+xml"),
            ("icon.PNG", "image/png"),
            ("shop.otlp.json", "application/json"),
            ("favicon.ico", "image/x-icon"),
            ("SHA256SUMS.txt", "text/plain; charset=utf-8"),
            ("site.webmanifest", "application/manifest+json"),
            ("SHA256SUMS", "application/octet-stream"),
            ("archive.tar.gz", "application/octet-stream"),
        ] {
            assert_eq!(content_type(name), expected, "{name}");
        }
    }

    #[test]
    fn only_content_hashed_names_are_kept_long() {
        for name in [
            "tracelens-web-0123456789abcdef.js",
            "tracelens-web-0123456789abcdef_bg.wasm",
            "tracelens-engine-123456789abcdef_loader.js",
            "style-a1b2c3d4e5f6.css",
        ] {
            assert_eq!(cache_control(name), "public, max-age=31536000, immutable", "{name}");
        }
        for name in [
            "index.html",
            "sw.js",
            "shop.otlp.json",
            "favicon.svg",
            "report-2024-01-02.json",
            "app-deadbeef.js",
            "lib-0123456789abcdef0.js",
            "x-0123456789abcdef",
            "-",
            "é-x.js",
        ] {
            assert_eq!(cache_control(name), "no-cache", "{name}");
        }
    }
}
