//! Maps a request target (`/app.js?v=1`) to a file inside the served folder,
//! or says why not. This is the one place that keeps `tracelens serve` from
//! sending anything outside DIR, in two independent layers:
//!
//! 1. The target is split on `/` *before* percent-decoding, and a decoded
//!    segment may hold no `/`, `\`, `:`, NUL or other control byte and may not
//!    be `.` or `..`; so `..%2f`, `%2e%2e`, `..\`, `C:` and the like never
//!    reach the file system. An empty segment (`//etc`) is refused too.
//! 2. The joined path is canonicalized (every symlink resolved) and must
//!    still lie under the canonical root; so a symlink that leads out of DIR
//!    is "not found", as a missing file is.
//!
//! Names starting with `.` (`.git`, `.env`) are "not found" as well: a site
//! has none, and a mistyped DIR (a home folder) should not hand them out.
//! They are looked for twice: in the requested path, and in the canonical
//! path below the root, since the file system may reach a hidden name by
//! another: a symlink, or on Windows an 8.3 short name (`GIT~1` is `.git`).
//!
//! Windows device names (`CON`, `NUL`, `COM1`, `LPT1`, ... also with an
//! extension, `nul.txt`) are refused on every platform: on Windows they open
//! a device wherever they appear, before any of the checks above, and no
//! site has a file named so.

use std::path::{Component, Path, PathBuf};

/// What a request target names.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A regular file inside the folder.
    File {
        /// Canonical path, to open.
        path: PathBuf,
        /// The file's name as requested (`index.html` for a folder): its
        /// type and caching go by it, not by where a symlink points.
        name: String,
    },
    /// Nothing to serve: missing, a folder, a hidden name, or a symlink out
    /// of the folder (these look the same from outside, on purpose).
    NotFound,
    /// Not a path this server accepts; the reason goes in the 400 answer.
    Rejected(&'static str),
}

/// The file `target` names under `root`, which must be canonical.
pub fn resolve(root: &Path, target: &str) -> Resolved {
    let (segments, folder) = match segments(target) {
        Ok(parsed) => parsed,
        Err(why) => return Resolved::Rejected(why),
    };
    if segments.iter().any(|segment| segment.starts_with('.')) {
        return Resolved::NotFound;
    }
    let mut candidate = root.to_path_buf();
    candidate.extend(&segments);
    if folder {
        candidate.push("index.html");
    }
    let Some(name) = candidate.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
        return Resolved::NotFound;
    };
    let Ok(path) = candidate.canonicalize() else {
        return Resolved::NotFound;
    };
    if !inside_and_visible(root, &path) || !path.is_file() {
        return Resolved::NotFound;
    }
    Resolved::File { path, name }
}

/// Whether canonical `path` lies under canonical `root` with no component
/// below it hidden (starting with `.`).
fn inside_and_visible(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|below| {
        below
            .components()
            .all(|component| matches!(component, Component::Normal(name) if !name.as_encoded_bytes().starts_with(b".")))
    })
}

/// Whether `segment` names a Windows device: a reserved name, alone or
/// before an extension, in any case. Windows drops trailing spaces and dots
/// before it looks (`CON .txt`, `nul.`), so this does too; `CONIN$` and
/// `CONOUT$` are the console's, and the superscript digits count as digits.
fn is_device_name(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or_default();
    let stem = stem.trim_end_matches([' ', '.']).to_ascii_uppercase();
    if matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$") {
        return true;
    }
    let number = stem.strip_prefix("COM").or_else(|| stem.strip_prefix("LPT"));
    number.is_some_and(|n| {
        let mut chars = n.chars();
        matches!((chars.next(), chars.next()), (Some('0'..='9' | '¹' | '²' | '³'), None))
    })
}

/// The decoded path segments of `target`, and whether it ends in `/` (names
/// a folder). The query and fragment are dropped.
fn segments(target: &str) -> Result<(Vec<String>, bool), &'static str> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    // Only origin-form (`/path`): no `*`, no `http://host/path`, no bare name.
    let Some(path) = path.strip_prefix('/') else {
        return Err("the request target must be a path starting with /");
    };
    if path.is_empty() {
        return Ok((Vec::new(), true));
    }
    let raw: Vec<&str> = path.split('/').collect();
    let mut segments = Vec::with_capacity(raw.len());
    let mut folder = false;
    for (i, segment) in raw.iter().enumerate() {
        if segment.is_empty() {
            if i + 1 == raw.len() {
                folder = true;
                continue;
            }
            return Err("an empty segment (//) in the path");
        }
        segments.push(checked(percent_decode(segment)?)?);
    }
    Ok((segments, folder))
}

/// `bytes` as a plain file name, or why it is none.
fn checked(bytes: Vec<u8>) -> Result<String, &'static str> {
    if bytes.contains(&b'/') {
        return Err("an encoded / in a path segment");
    }
    if bytes.contains(&b'\\') {
        return Err("a backslash in the path");
    }
    if bytes.contains(&0) {
        return Err("a NUL byte in the path");
    }
    if bytes.iter().any(|b| b.is_ascii_control()) {
        return Err("a control character in the path");
    }
    // A drive (`C:`) or an alternate data stream (`a.js:x`) on Windows.
    if bytes.contains(&b':') {
        return Err("a colon in the path");
    }
    let segment = String::from_utf8(bytes).map_err(|_| "the path is not UTF-8")?;
    if segment == "." || segment == ".." {
        return Err("a . or .. segment in the path");
    }
    if is_device_name(&segment) {
        return Err("a Windows device name (CON, NUL, COM1, ...) in the path");
    }
    // Whatever else the platform reads as more than one plain name.
    let mut components = Path::new(&segment).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(name)), None) if name == segment.as_str() => Ok(segment),
        _ => Err("a path segment that is not a plain name"),
    }
}

/// `segment` with its `%XX` escapes decoded (`+` stays `+`: paths are not forms).
fn percent_decode(segment: &str) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(segment.len());
    let mut bytes = segment.bytes();
    while let Some(byte) = bytes.next() {
        if byte != b'%' {
            out.push(byte);
            continue;
        }
        let high = bytes.next().and_then(hex_value);
        let low = bytes.next().and_then(hex_value);
        match (high, low) {
            (Some(high), Some(low)) => out.push(high << 4 | low),
            _ => return Err("a malformed percent escape in the path"),
        }
    }
    Ok(out)
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|v| u8::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn plain_paths_decode_to_their_segments() {
        assert_eq!(segments("/"), Ok((vec![], true)));
        assert_eq!(segments("/a.js?v=1#x"), Ok((vec!["a.js".to_owned()], false)));
        assert_eq!(
            segments("/examples/my%20trace+1.json"),
            Ok((vec!["examples".to_owned(), "my trace+1.json".to_owned()], false))
        );
        assert_eq!(segments("/examples/"), Ok((vec!["examples".to_owned()], true)));
    }

    #[test]
    fn traversal_and_odd_bytes_are_rejected_before_the_file_system() {
        for target in [
            "/..",
            "/../secret",
            "/a/../../secret",
            "/./index.html",
            "/%2e%2e/secret",
            "/%2E%2E/secret",
            "/.%2e/secret",
            "/..%2fsecret",
            "/..%2Fsecret",
            "/%2fetc%2fpasswd",
            "/..\\secret",
            "/..%5csecret",
            "/%5cetc",
            "/index.html%00.png",
            "/a%0d%0aSet-Cookie:x",
            "/C:/Windows",
            "/c%3a%5cwindows",
            "//etc/passwd",
            "/a//b",
            "/%zz",
            "/%2",
            "/%ff%fe",
            "secret",
            "../secret",
            "*",
            "http://127.0.0.1/secret",
        ] {
            assert!(
                segments(target).is_err(),
                "{target} was accepted: {:?}",
                segments(target)
            );
        }
    }

    #[test]
    fn windows_device_names_are_refused_with_any_extension_on_every_platform() {
        for name in [
            "CON",
            "con",
            "Nul",
            "PRN",
            "aux",
            "COM1",
            "com9",
            "LPT1",
            "lpt9",
            "COM0",
            "COM¹",
            "LPT³",
            "CONIN$",
            "conout$",
            "nul.txt",
            "CON.tar.gz",
            "com1.js",
            "NUL.",
            "CON .txt",
            "aux ",
        ] {
            assert!(is_device_name(name), "{name}");
            assert!(segments(&format!("/examples/{name}")).is_err(), "{name}");
        }
        for name in [
            "CONFIG",
            "console.js",
            "nullable.json",
            "COM10",
            "LPT",
            "COM",
            "auxiliary.txt",
            "prn1",
            "xcon",
            "a.con",
        ] {
            assert!(!is_device_name(name), "{name}");
        }
    }

    #[test]
    fn a_hidden_name_below_the_root_is_refused_however_it_was_reached() {
        let root = Path::new("/srv/site");
        assert!(inside_and_visible(root, Path::new("/srv/site/index.html")));
        assert!(inside_and_visible(root, Path::new("/srv/site/examples/a.json")));
        // What `/GIT~1/config` canonicalises to on Windows, here with `/`.
        assert!(!inside_and_visible(root, Path::new("/srv/site/.git/config")));
        assert!(!inside_and_visible(root, Path::new("/srv/site/examples/.env")));
        assert!(!inside_and_visible(root, Path::new("/srv/other/index.html")));
        assert!(!inside_and_visible(root, Path::new("/srv/site-2/index.html")));
        // Dots above the root are the root's own business.
        assert!(inside_and_visible(
            Path::new("/home/me/.cache/site"),
            Path::new("/home/me/.cache/site/a.js")
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_visible_name_that_leads_to_a_hidden_file_is_not_found() {
        // Unix has no 8.3 names; a symlink is the same case: the requested
        // path is clean, the canonical one is hidden.
        let root = std::env::temp_dir().join(format!("tracelens-resolve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/config"), "secret").unwrap();
        std::fs::write(root.join("index.html"), "page").unwrap();
        std::os::unix::fs::symlink(".git", root.join("GIT~1")).unwrap();
        std::os::unix::fs::symlink(".git/config", root.join("config.txt")).unwrap();
        let root = root.canonicalize().unwrap();
        assert_eq!(resolve(&root, "/GIT~1/config"), Resolved::NotFound);
        assert_eq!(resolve(&root, "/config.txt"), Resolved::NotFound);
        assert!(matches!(resolve(&root, "/"), Resolved::File { .. }));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn double_encoding_is_decoded_once() {
        // `%252e%252e` is the name `%2e%2e`, which is not `..`.
        assert_eq!(segments("/%252e%252e"), Ok((vec!["%2e%2e".to_owned()], false)));
    }
}
