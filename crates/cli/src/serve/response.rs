//! Writes one HTTP/1.1 answer: status line, header fields, body. Every
//! answer closes the connection (`Connection: close`), so a body is framed by
//! its `Content-Length` alone and no earlier request's bytes can be taken for
//! a later one.

use std::fs::File;
use std::io::{self, Read, Write};

/// A status code and its reason phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// The three-digit code.
    pub code: u16,
    /// The reason phrase sent after it.
    pub reason: &'static str,
}

impl Status {
    pub const OK: Status = Status {
        code: 200,
        reason: "OK",
    };
    pub const BAD_REQUEST: Status = Status {
        code: 400,
        reason: "Bad Request",
    };
    pub const NOT_FOUND: Status = Status {
        code: 404,
        reason: "Not Found",
    };
    pub const METHOD_NOT_ALLOWED: Status = Status {
        code: 405,
        reason: "Method Not Allowed",
    };
    pub const MISDIRECTED: Status = Status {
        code: 421,
        reason: "Misdirected Request",
    };
    pub const HEADER_TOO_LARGE: Status = Status {
        code: 431,
        reason: "Request Header Fields Too Large",
    };
    pub const SERVICE_UNAVAILABLE: Status = Status {
        code: 503,
        reason: "Service Unavailable",
    };
    pub const VERSION_NOT_SUPPORTED: Status = Status {
        code: 505,
        reason: "HTTP Version Not Supported",
    };
}

/// What follows the head.
pub enum Body {
    /// A short text (an error's reason).
    Text(String),
    /// A file's first `len` bytes.
    File {
        /// Open for reading.
        file: File,
        /// Its length when opened: the Content-Length sent.
        len: u64,
    },
}

/// An answer to write.
pub struct Response {
    /// Status line.
    pub status: Status,
    /// Header fields besides Content-Length and Connection.
    pub headers: Vec<(&'static str, String)>,
    /// The body (its head is sent alone for HEAD).
    pub body: Body,
}

impl Response {
    /// A plain-text answer saying `why`.
    pub fn text(status: Status, why: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".to_owned())],
            body: Body::Text(format!("{} {}: {why}\n", status.code, status.reason)),
        }
    }

    /// Writes the answer to `out`; for a HEAD request (`head_only`) the head
    /// alone, with the Content-Length a GET would have.
    pub fn write(self, out: &mut impl Write, head_only: bool) -> io::Result<()> {
        let len = match &self.body {
            Body::Text(text) => text.len() as u64,
            Body::File { len, .. } => *len,
        };
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status.code, self.status.reason);
        for (name, value) in &self.headers {
            // Values are the server's own or a checked policy; a line break
            // here would let a value start a header of its own.
            if !value.contains(['\r', '\n']) {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        head.push_str(&format!("Content-Length: {len}\r\nConnection: close\r\n\r\n"));
        if head_only {
            return out.write_all(head.as_bytes());
        }
        match self.body {
            Body::Text(text) => {
                head.push_str(&text);
                out.write_all(head.as_bytes())
            }
            Body::File { file, len } => {
                out.write_all(head.as_bytes())?;
                // A file that shrank since it was opened ends the answer
                // early; the client sees fewer bytes than announced.
                io::copy(&mut file.take(len), out).map(|_| ())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn head_answers_announce_the_length_and_send_no_body() {
        let mut get = Vec::new();
        Response::text(Status::NOT_FOUND, "no such file")
            .write(&mut get, false)
            .unwrap();
        let get = String::from_utf8(get).unwrap();
        assert!(get.starts_with("HTTP/1.1 404 Not Found\r\n"), "{get}");
        assert!(get.ends_with("\r\n\r\n404 Not Found: no such file\n"), "{get}");
        assert!(get.contains("Content-Length: 28\r\n"), "{get}");

        let mut head = Vec::new();
        Response::text(Status::NOT_FOUND, "no such file")
            .write(&mut head, true)
            .unwrap();
        let head = String::from_utf8(head).unwrap();
        assert!(head.ends_with("Connection: close\r\n\r\n") && head.contains("Content-Length: 28\r\n"));
    }

    #[test]
    fn a_value_with_a_line_break_is_not_sent() {
        let mut response = Response::text(Status::OK, "x");
        response.headers.push(("X-Test", "a\r\nSet-Cookie: b".to_owned()));
        let mut out = Vec::new();
        response.write(&mut out, false).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("X-Test") && !out.contains("Set-Cookie"), "{out}");
    }
}
