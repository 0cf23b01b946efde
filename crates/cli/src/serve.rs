//! `tracelens serve DIR`: the built site (dist/, or an unpacked release
//! archive) over HTTP on this machine, for networks with no internet and no
//! web server at hand. It serves files and nothing else: GET and HEAD, no
//! folder listings, nothing outside DIR (see `resolve`).
//!
//! Written on `std::net` rather than with a crate. tiny_http, the usual
//! small synchronous server, has had no release since 0.12.0 (October 2022)
//! and has two open advisories without a fixed release (CVE-2026-66753,
//! header injection; CVE-2026-66752, request smuggling through
//! Transfer-Encoding); astra brings hyper, hyper-util and with them tokio.
//! What this server needs is small enough to own: it reads a request head,
//! never a body, answers once and closes the connection, so it parses no
//! framing that could be misread.
//!
//! One thread per connection, at most [`MAX_CONNECTIONS`] at once and
//! [`MAX_PER_CLIENT`] from one client (see `clients`): a browser opens about
//! six and may leave some idle (preconnects), which must not hold up the
//! others. A connection has [`HEAD_TIMEOUT`] from its accept to send its
//! whole request head, however it trickles it (see `deadline`), and
//! [`LINGER_TIMEOUT`] in all to be drained after its answer; one over the
//! caps is answered 503 at once, never queued.

mod clients;
mod csp;
mod deadline;
mod host;
mod media;
mod request;
mod resolve;
mod response;

use anyhow::{Context, Result, bail};
use clients::{Clients, Slot};
use deadline::Deadline;
use request::Request;
use resolve::Resolved;
use response::{Body, Response, Status};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Connections served at once; more are answered 503 until one ends.
const MAX_CONNECTIONS: usize = 64;
/// Connections served at once for one client: a browser needs about six.
const MAX_PER_CLIENT: usize = 16;
/// How long a connection may take, from its accept, to send its whole
/// request head (the default of `Options::head_timeout`).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long, in all, a connection is drained after its answer.
const LINGER_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one write may wait for a client that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// What `tracelens serve` was asked.
pub struct Options {
    /// The folder to serve.
    pub dir: PathBuf,
    /// The port; 0 lets the system pick a free one.
    pub port: u16,
    /// The address to listen on.
    pub bind: IpAddr,
    /// How long a connection may take to send its request head
    /// ([`HEAD_TIMEOUT`] but in tests).
    pub head_timeout: Duration,
}

/// What every connection's thread reads.
struct Site {
    /// DIR, canonical: every served file lies under it.
    root: PathBuf,
    /// The page's Content-Security-Policy, repeated as headers.
    policies: Vec<String>,
    /// Answer only requests addressed to a loopback name.
    loopback_only: bool,
    /// See [`Options::head_timeout`].
    head_timeout: Duration,
}

/// Serves `options.dir` until the process is stopped (Ctrl-C). Prints the
/// address to open on standard output once it listens.
pub fn run(options: &Options) -> Result<()> {
    let root = options
        .dir
        .canonicalize()
        .with_context(|| format!("cannot serve {}", options.dir.display()))?;
    if !root.is_dir() {
        bail!("cannot serve {}: not a folder", options.dir.display());
    }
    let policies = csp::forbid_framing(read_policies(&root));
    let listener = TcpListener::bind((options.bind, options.port))
        .with_context(|| format!("cannot listen on {}", SocketAddr::new(options.bind, options.port)))?;
    let address = listener.local_addr().context("reading the address listened on")?;
    if !options.bind.is_loopback() {
        eprintln!(
            "tracelens: warning: listening on {address}, not on loopback: anyone who can reach this machine \
             on that network can open this Tracelens site. Traces opened in it are still read only in the \
             browser that opens them, never sent to this server; use --bind 127.0.0.1 to keep the site to \
             this machine."
        );
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "Tracelens is at {}  (Ctrl-C stops it)", url_to_open(address))?;
    stdout.flush()?;
    drop(stdout);

    let site = Arc::new(Site {
        root,
        policies,
        loopback_only: options.bind.is_loopback(),
        head_timeout: options.head_timeout,
    });
    let clients = Clients::new(MAX_CONNECTIONS, MAX_PER_CLIENT);
    for connection in listener.incoming() {
        match connection {
            Ok(stream) => accept(stream, &site, &clients),
            Err(error) => {
                // Out of file descriptors, a connection reset before it was
                // taken: wait a little rather than spin, then go on.
                eprintln!("tracelens: accepting a connection: {error}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    Ok(())
}

/// The policies of DIR/index.html's CSP meta tags; none (with a warning)
/// when they cannot be read or repeated. (`frame-ancestors` is added after.)
fn read_policies(root: &std::path::Path) -> Vec<String> {
    let index = root.join("index.html");
    let html = match std::fs::read(&index) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => {
            eprintln!(
                "tracelens: warning: {} has no index.html: is it the built site (dist/ or an unpacked release)?",
                root.display()
            );
            return Vec::new();
        }
    };
    csp::policies(&html).unwrap_or_else(|why| {
        eprintln!(
            "tracelens: warning: the Content-Security-Policy in {} is not repeated as a header ({why}); \
             the page's own meta tag still applies",
            index.display()
        );
        Vec::new()
    })
}

/// The address a browser on this machine opens: a wildcard address is no
/// place to go, so its family's loopback stands in.
fn url_to_open(address: SocketAddr) -> String {
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/", SocketAddr::new(ip, address.port()))
}

/// Serves `stream` on a thread of its own, or answers 503 when the server
/// or this client has all the connections it may.
fn accept(stream: TcpStream, site: &Arc<Site>, clients: &Arc<Clients>) {
    // The head's deadline counts from here, not from the thread's start.
    let accepted = Instant::now();
    let Some(slot) = stream.peer_addr().ok().and_then(|peer| clients.enter(peer.ip())) else {
        refuse_busy(stream);
        return;
    };
    let site = Arc::clone(site);
    let spawned = std::thread::Builder::new().name("serve".to_owned()).spawn(move || {
        // Held to the end of the thread, given back however it ends.
        let _slot: Slot = slot;
        serve_connection(stream, &site, accepted);
    });
    if let Err(error) = spawned {
        // The closure is dropped, and with it the connection and its slot.
        eprintln!("tracelens: starting a thread for a connection: {error}");
    }
}

/// Answers 503 on the accepting thread without ever waiting: a client that
/// does not read must not stall the accept loop, so the answer is written
/// only as far as the socket takes it at once (a short answer always fits
/// a fresh socket's buffer), and the connection is closed.
fn refuse_busy(stream: TcpStream) {
    if stream.set_nonblocking(true).is_err() {
        return;
    }
    let mut response = Response::text(
        Status::SERVICE_UNAVAILABLE,
        "too many connections from this address or in all; try again in a moment",
    );
    response.headers.push(("Retry-After", "1".to_owned()));
    response.headers.push(("X-Content-Type-Options", "nosniff".to_owned()));
    let _ = response.write(&mut &stream, false);
}

/// Reads one request from `stream`, answers it and closes the connection.
fn serve_connection(mut stream: TcpStream, site: &Site, accepted: Instant) {
    // Without a write timeout a client that never reads would hold a thread forever.
    if stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_err() {
        return;
    }
    let mut head = Deadline {
        stream: &stream,
        until: accepted + site.head_timeout,
    };
    let (response, head_only) =
        match request::read_head(&mut head).and_then(|head| head.map(|h| request::parse(&h)).transpose()) {
            Ok(None) => return,
            Ok(Some(request)) => (answer(&request, site), request.method == "HEAD"),
            Err(refusal) => (Response::text(refusal.status, refusal.why), false),
        };
    let mut response = response;
    response.headers.push(("X-Content-Type-Options", "nosniff".to_owned()));
    for policy in &site.policies {
        response.headers.push(("Content-Security-Policy", policy.clone()));
    }
    // A client gone mid-answer is no error of the server's.
    if response.write(&mut stream, head_only).is_ok() {
        linger(&mut stream);
    }
}

/// The answer to `request`.
fn answer(request: &Request, site: &Site) -> Response {
    if request.method != "GET" && request.method != "HEAD" {
        let mut response = Response::text(Status::METHOD_NOT_ALLOWED, "this server only sends files (GET, HEAD)");
        response.headers.push(("Allow", "GET, HEAD".to_owned()));
        return response;
    }
    if request.has_body {
        return Response::text(Status::BAD_REQUEST, "a GET or HEAD request with a body");
    }
    match (&request.host, site.loopback_only) {
        (None, _) if request.http_1_1 => {
            return Response::text(Status::BAD_REQUEST, "an HTTP/1.1 request without Host");
        }
        (Some(host), true) if !host::is_loopback(host) => {
            return Response::text(
                Status::MISDIRECTED,
                "this server answers only requests to localhost, 127.0.0.1 or [::1]",
            );
        }
        _ => {}
    }
    match resolve::resolve(&site.root, &request.target) {
        Resolved::File { path, name } => {
            match std::fs::File::open(&path).and_then(|file| Ok((file.metadata()?.len(), file))) {
                Ok((len, file)) => Response {
                    status: Status::OK,
                    headers: vec![
                        ("Content-Type", media::content_type(&name).to_owned()),
                        ("Cache-Control", media::cache_control(&name).to_owned()),
                    ],
                    body: Body::File { file, len },
                },
                Err(_) => Response::text(Status::NOT_FOUND, "no such file"),
            }
        }
        Resolved::NotFound => Response::text(Status::NOT_FOUND, "no such file"),
        Resolved::Rejected(why) => Response::text(Status::BAD_REQUEST, why),
    }
}

/// Closes the connection gently after an answer: stop sending, then read
/// what the client still sends (a request body this server never read) until
/// it closes, for [`LINGER_TIMEOUT`] in all. Closing with unread bytes would
/// reset the connection, and a reset can make the client drop the answer it
/// was sent.
fn linger(stream: &mut TcpStream) {
    const MAX_DRAINED: u64 = 1 << 20;
    if stream.shutdown(Shutdown::Write).is_err() {
        return;
    }
    let drained = Deadline {
        stream,
        until: Instant::now() + LINGER_TIMEOUT,
    };
    let _ = std::io::copy(&mut drained.take(MAX_DRAINED), &mut std::io::sink());
}
