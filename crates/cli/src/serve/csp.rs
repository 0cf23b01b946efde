//! The site's Content-Security-Policy, read from the built `index.html`'s
//! `<meta http-equiv="Content-Security-Policy" content="…">`, so the policy
//! is written in one place (the build) and the server only repeats it as a
//! header. The header adds what the meta tag cannot give: a Web Worker (the
//! engine) takes its policy from its own script's response, not from the
//! page, and some directives count only in a header: [`forbid_framing`]
//! adds `frame-ancestors 'none'`, so no other site can frame the page (and
//! trick a click out of it), unless the build's policy already says who may.
//!
//! A policy that cannot be carried as a header value (an entity this reader
//! does not decode, a control character) is an error, and the caller then
//! sends no header: a policy cut or changed here could break the site, and
//! the page's own meta tag still holds. Line breaks (allowed in an HTML
//! attribute) become spaces, as CSP reads any ASCII whitespace as one, so
//! nothing from the file can start a new header line.

/// The policies of every CSP meta tag in the head of `html`, as header
/// values. None is no error: the site then has no policy to repeat.
pub fn policies(html: &str) -> Result<Vec<String>, &'static str> {
    // Lowercasing ASCII keeps every byte offset, so `lower` indexes `html`.
    let lower = html.to_ascii_lowercase();
    let mut policies = Vec::new();
    let mut at = 0;
    while let Some(offset) = lower.get(at..).and_then(|rest| rest.find('<')) {
        let start = at + offset;
        let rest = lower.get(start..).unwrap_or_default();
        if rest.starts_with("<body") || rest.starts_with("</head") {
            break;
        }
        // Text in which `<meta` is no tag.
        if let Some(end) = [("<!--", "-->"), ("<script", "</script"), ("<style", "</style")]
            .iter()
            .find(|(open, _)| rest.starts_with(open))
            .map(|(_, close)| rest.find(close).map_or(lower.len(), |end| start + end + close.len()))
        {
            at = end;
            continue;
        }
        let after_name = start + "<meta".len();
        let is_meta = rest.starts_with("<meta")
            && lower
                .as_bytes()
                .get(after_name)
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>');
        if !is_meta {
            at = start + 1;
            continue;
        }
        let tag = html.get(after_name..).unwrap_or_default();
        let (attributes, length) = attributes(tag)?;
        at = after_name + length;
        let is_csp = attributes
            .iter()
            .any(|(name, value)| name == "http-equiv" && value.eq_ignore_ascii_case("content-security-policy"));
        let content = attributes.iter().find(|(name, _)| name == "content");
        if let (true, Some((_, policy))) = (is_csp, content) {
            policies.push(header_value(policy)?);
        }
    }
    Ok(policies)
}

/// The policies to send: `policies` with `frame-ancestors 'none'` appended
/// to the first, unless one of them names `frame-ancestors` already; with no
/// policy at all, that directive alone (it cannot stop the site working,
/// only other sites framing it).
pub fn forbid_framing(mut policies: Vec<String>) -> Vec<String> {
    const DIRECTIVE: &str = "frame-ancestors 'none'";
    let has_frame_ancestors = policies.iter().any(|policy| {
        policy.split(';').any(|directive| {
            directive
                .split_ascii_whitespace()
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case("frame-ancestors"))
        })
    });
    if has_frame_ancestors {
        return policies;
    }
    match policies.first_mut() {
        Some(first) => {
            // `a;` would become `a;; frame-ancestors …`: valid, but not as written.
            let kept = first.trim_end_matches(|c: char| c == ';' || c.is_ascii_whitespace());
            *first = if kept.is_empty() {
                DIRECTIVE.to_owned()
            } else {
                format!("{kept}; {DIRECTIVE}")
            };
        }
        None => policies.push(DIRECTIVE.to_owned()),
    }
    policies
}

/// A tag's attributes: (lowercased name, decoded value), in order.
type Attributes = Vec<(String, String)>;

/// The attributes of a tag, read from just after its name, and the length
/// read up to and including its `>`.
fn attributes(tag: &str) -> Result<(Attributes, usize), &'static str> {
    let bytes = tag.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    let mut i = 0;
    let mut attributes = Vec::new();
    loop {
        while at(i).is_some_and(|b| b.is_ascii_whitespace() || b == b'/') {
            i += 1;
        }
        match at(i) {
            None => return Ok((attributes, i)),
            Some(b'>') => return Ok((attributes, i + 1)),
            Some(_) => {}
        }
        let name_start = i;
        while at(i).is_some_and(|b| !(b.is_ascii_whitespace() || matches!(b, b'=' | b'>' | b'/'))) {
            i += 1;
        }
        let name = tag.get(name_start..i).unwrap_or_default().to_ascii_lowercase();
        while at(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        let mut value = "";
        if at(i) == Some(b'=') {
            i += 1;
            while at(i).is_some_and(|b| b.is_ascii_whitespace()) {
                i += 1;
            }
            let (start, end, next) = match at(i) {
                Some(quote @ (b'"' | b'\'')) => {
                    let start = i + 1;
                    let end = tag
                        .get(start..)
                        .and_then(|rest| rest.find(char::from(quote)))
                        .map_or(tag.len(), |e| start + e);
                    (start, end, end + 1)
                }
                _ => {
                    let start = i;
                    let mut end = i;
                    while at(end).is_some_and(|b| !(b.is_ascii_whitespace() || b == b'>')) {
                        end += 1;
                    }
                    (start, end, end)
                }
            };
            value = tag.get(start..end).unwrap_or_default();
            i = next.min(tag.len());
        }
        if i == name_start {
            // A stray byte that starts neither name nor value: step over it.
            i += 1;
        }
        attributes.push((name, decode_entities(value)?));
    }
}

/// `value` with its character references decoded: the named ones a policy
/// can need and every numeric one.
fn decode_entities(value: &str) -> Result<String, &'static str> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let Some(semicolon) = after.find(';') else {
            return Err("an HTML character reference without its ;");
        };
        let entity = after.get(..semicolon).unwrap_or_default();
        let decoded = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "lt" => Some('<'),
            "gt" => Some('>'),
            _ => entity.strip_prefix('#').and_then(|number| {
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => number.parse().ok(),
                };
                code.and_then(char::from_u32)
            }),
        };
        out.push(decoded.ok_or("an HTML character reference this server does not decode")?);
        rest = after.get(semicolon + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

/// `policy` as a header value: whitespace runs as one space; anything a
/// header line cannot carry is an error.
fn header_value(policy: &str) -> Result<String, &'static str> {
    if policy
        .chars()
        .any(|c| !(c.is_ascii_graphic() || c.is_ascii_whitespace()))
    {
        return Err("a character an HTTP header cannot carry");
    }
    Ok(policy.split_ascii_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meta_tag_policy_is_read_as_written() {
        let html = r#"<!doctype html><html><head>
            <meta charset="utf-8" />
            <META HTTP-EQUIV='Content-Security-Policy'
                  content="default-src 'self';
                           script-src 'self' 'wasm-unsafe-eval'">
            <title>x</title></head><body></body></html>"#;
        assert_eq!(
            policies(html),
            Ok(vec![
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'".to_owned()
            ])
        );
    }

    #[test]
    fn entities_unquoted_values_and_several_tags() {
        let html = "<head><meta http-equiv=content-security-policy content=\"img-src &#39;self&#x27; data:\"/>\
                    <meta content=\"object-src &apos;none&apos;\" http-equiv=\"Content-Security-Policy\">";
        assert_eq!(
            policies(html),
            Ok(vec!["img-src 'self' data:".to_owned(), "object-src 'none'".to_owned()])
        );
    }

    #[test]
    fn no_policy_outside_the_head_or_in_comments_and_scripts() {
        let html = r#"<head><!-- <meta http-equiv="Content-Security-Policy" content="a"> -->
            <script>const s = '<meta http-equiv="Content-Security-Policy" content="b">';</script>
            <meta name="description" content="Content-Security-Policy">
            <metadata http-equiv="Content-Security-Policy" content="c">
            </head><body><meta http-equiv="Content-Security-Policy" content="d"></body>"#;
        assert_eq!(policies(html), Ok(vec![]));
        assert_eq!(policies(""), Ok(vec![]));
        assert_eq!(policies("<meta"), Ok(vec![]));
    }

    #[test]
    fn a_policy_that_cannot_be_a_header_is_an_error_not_a_changed_policy() {
        for content in ["default-src &nbsp;", "a &amp b", "default-src\u{0}'self'", "img-src é"] {
            let html = format!(r#"<meta http-equiv="Content-Security-Policy" content="{content}">"#);
            assert!(policies(&html).is_err(), "{content}");
        }
    }

    #[test]
    fn framing_is_forbidden_unless_the_policy_says_otherwise() {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        for (given, sent) in [
            (
                &["default-src 'self'; img-src data:"][..],
                &["default-src 'self'; img-src data:; frame-ancestors 'none'"][..],
            ),
            (
                &["default-src 'self';  "],
                &["default-src 'self'; frame-ancestors 'none'"],
            ),
            (&[], &["frame-ancestors 'none'"]),
            (&[";"], &["frame-ancestors 'none'"]),
            (&["a", "b"], &["a; frame-ancestors 'none'", "b"]),
            (
                &["default-src 'self'; Frame-Ancestors 'self'"],
                &["default-src 'self'; Frame-Ancestors 'self'"],
            ),
            (
                &["a", "frame-ancestors https://x.example"],
                &["a", "frame-ancestors https://x.example"],
            ),
            // A source named so is no directive.
            (
                &["default-src frame-ancestors.example"],
                &["default-src frame-ancestors.example; frame-ancestors 'none'"],
            ),
        ] {
            assert_eq!(forbid_framing(owned(given)), owned(sent), "{given:?}");
        }
    }

    #[test]
    fn line_breaks_never_reach_the_header() {
        let html = "<meta http-equiv=\"Content-Security-Policy\" content=\"a\r\nSet-Cookie: x\n\">";
        assert_eq!(policies(html), Ok(vec!["a Set-Cookie: x".to_owned()]));
    }
}
