//! Reads and parses the head of one HTTP/1.0 or 1.1 request (RFC 9112): the
//! request line and the header fields this server acts on.
//!
//! Strict where leniency is how requests get misread: a header name with
//! whitespace before its colon, a folded header line or two `Host` fields
//! is a 400, as RFC 9112 asks. A request that says it has a body is noted,
//! never read: the server answers GET and HEAD only, and closes every
//! connection after one answer, so no unread byte can be taken for the next
//! request.

use super::response::Status;
use std::io::{self, Read};

/// The most a request head may take; a browser's are well under 8 KiB.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// The parts of a request this server acts on.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    /// As sent (methods are case-sensitive: `get` is not `GET`).
    pub method: String,
    /// The request target as sent, still percent-encoded.
    pub target: String,
    /// HTTP/1.1 (else 1.0): 1.1 requires a `Host` field.
    pub http_1_1: bool,
    /// The `Host` field, if sent.
    pub host: Option<String>,
    /// Whether `Content-Length` (other than 0) or `Transfer-Encoding` announces a body.
    pub has_body: bool,
}

/// A request this server does not take, and the answer to give.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The status to answer with.
    pub status: Status,
    /// Why, as the answer's text.
    pub why: &'static str,
}

fn refuse(status: Status, why: &'static str) -> Refusal {
    Refusal { status, why }
}

/// Reads from `stream` up to the blank line that ends a request head; the
/// bytes after it (a body, a pipelined request) are left unread. `Ok(None)`
/// when the client closed or went quiet first: nothing to answer.
pub fn read_head(stream: &mut impl Read) -> Result<Option<Vec<u8>>, Refusal> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0_u8; 2048];
    loop {
        let read = match stream.read(&mut chunk) {
            Ok(0) => return Ok(None),
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Ok(None),
        };
        let searched_from = head.len().saturating_sub(3);
        head.extend_from_slice(chunk.get(..read).unwrap_or_default());
        if let Some(end) = head_end(&head, searched_from) {
            head.truncate(end);
            return Ok(Some(head));
        }
        if head.len() > MAX_HEAD_BYTES {
            return Err(refuse(Status::HEADER_TOO_LARGE, "request head too large"));
        }
    }
}

/// Where the blank line that ends the head ends (`\n\n` or `\n\r\n`; RFC
/// 9112 lets a server take a bare LF as a line end), looking from `from`.
fn head_end(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len()).find_map(|i| {
        let rest = bytes.get(i..)?;
        if rest.starts_with(b"\n\n") {
            Some(i + 2)
        } else if rest.starts_with(b"\n\r\n") {
            Some(i + 3)
        } else {
            None
        }
    })
}

/// The request in `head` (as [`read_head`] returns it).
pub fn parse(head: &[u8]) -> Result<Request, Refusal> {
    let bad = |why| refuse(Status::BAD_REQUEST, why);
    let text = std::str::from_utf8(head).map_err(|_| bad("the request head is not text"))?;
    // RFC 9112 2.2: ignore empty lines before the request line.
    let mut lines = text
        .trim_start_matches(['\r', '\n'])
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("a request line is METHOD TARGET HTTP-VERSION"));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(bad("the method is not a token"));
    }
    if target.is_empty() || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad(
            "the request target is empty or holds spaces, controls or non-ASCII",
        ));
    }
    let http_1_1 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ if version.starts_with("HTTP/") => {
            return Err(refuse(Status::VERSION_NOT_SUPPORTED, "only HTTP/1.0 and HTTP/1.1"));
        }
        _ => return Err(bad("the request line does not end with an HTTP version")),
    };
    let mut request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        http_1_1,
        host: None,
        has_body: false,
    };
    for line in lines.filter(|line| !line.is_empty()) {
        if line.starts_with([' ', '\t']) {
            return Err(bad("a folded header line"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad("a header line without a colon"));
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(bad("a header name that is not a token"));
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("host") {
            if request.host.is_some() {
                return Err(bad("more than one Host header"));
            }
            request.host = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            || (name.eq_ignore_ascii_case("content-length") && value != "0")
        {
            request.has_body = true;
        }
    }
    Ok(request)
}

/// A `tchar` of RFC 9110 5.6.2: what methods and header names are made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_browser_request_is_read() {
        let head = b"GET /app.js?v=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n\r\n";
        assert_eq!(
            parse(head).unwrap(),
            Request {
                method: "GET".to_owned(),
                target: "/app.js?v=1".to_owned(),
                http_1_1: true,
                host: Some("127.0.0.1:8080".to_owned()),
                has_body: false,
            }
        );
    }

    #[test]
    fn a_body_is_noted_not_read() {
        let post = parse(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n").unwrap();
        assert!(post.has_body);
        let chunked = parse(b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        assert!(chunked.has_body);
        let empty = parse(b"GET / HTTP/1.0\nContent-Length: 0\n\n").unwrap();
        assert!(!empty.has_body && !empty.http_1_1 && empty.host.is_none());
    }

    #[test]
    fn malformed_heads_are_refused() {
        for (head, status) in [
            (&b"GET / HTTP/2.0\r\n\r\n"[..], Status::VERSION_NOT_SUPPORTED),
            (b"GET /\r\n\r\n", Status::BAD_REQUEST),
            (b"GET  / HTTP/1.1\r\n\r\n", Status::BAD_REQUEST),
            (b"GET /a b HTTP/1.1\r\n\r\n", Status::BAD_REQUEST),
            (b"G(T / HTTP/1.1\r\n\r\n", Status::BAD_REQUEST),
            (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", Status::BAD_REQUEST),
            (b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", Status::BAD_REQUEST),
            (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", Status::BAD_REQUEST),
            (b"GET / HTTP/1.1\r\nno colon\r\n\r\n", Status::BAD_REQUEST),
            (b"GET /\xff HTTP/1.1\r\n\r\n", Status::BAD_REQUEST),
        ] {
            assert_eq!(
                parse(head).unwrap_err().status,
                status,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn the_head_ends_at_its_blank_line_however_it_arrives() {
        let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nBODY";
        // One byte per read: the blank line is split across reads.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let head = read_head(&mut Trickle(request)).unwrap().unwrap();
        assert_eq!(head, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(read_head(&mut Trickle(b"GET / HTTP/1.1\r\n")).unwrap(), None);
        let endless = vec![b'a'; MAX_HEAD_BYTES + 10];
        assert_eq!(
            read_head(&mut &endless[..]).unwrap_err().status,
            Status::HEADER_TOO_LARGE
        );
    }
}
