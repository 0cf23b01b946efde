//! Reading from a connection until a fixed moment, whatever the client
//! sends meanwhile. A socket's read timeout counts from each read, so a
//! client sending a byte just before each timeout could keep a connection
//! (and its thread) for ever; [`Deadline`] sets each read's timeout to the
//! time left, so every read together ends at one instant.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;

/// `stream`, readable until `until`; past it every read fails with
/// [`io::ErrorKind::TimedOut`].
pub struct Deadline<'a> {
    pub stream: &'a TcpStream,
    pub until: Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        // A zero timeout is refused by the socket (it would mean "none").
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    #[test]
    fn past_the_deadline_nothing_more_is_read_even_with_bytes_waiting() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let mut buf = [0_u8; 64];
        let mut passed = Deadline {
            stream: &server,
            until: Instant::now(),
        };
        assert_eq!(passed.read(&mut buf).unwrap_err().kind(), io::ErrorKind::TimedOut);
        let mut open = Deadline {
            stream: &server,
            until: Instant::now() + std::time::Duration::from_secs(60),
        };
        assert!(open.read(&mut buf).unwrap() > 0);
    }
}
