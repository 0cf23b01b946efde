//! `tracelens serve DIR` over real TCP, as a browser and an attacker meet it:
//! the site's files with the types a browser needs, 404 for what is missing,
//! nothing outside DIR whatever the path says (a secret file lies beside
//! DIR and must never come back), only GET and HEAD, and the refusals on
//! loopback. Each test starts the binary on port 0 and reads the address it
//! prints; the client is a few lines of std.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

/// In the file beside DIR: no answer may ever contain it.
const SECRET: &str = "TOP-SECRET-7f3a9c";

const INDEX_HTML: &str = "<!doctype html><html><head><meta charset=\"utf-8\">\n\
    <meta http-equiv=\"Content-Security-Policy\"\n      content=\"default-src 'self'; script-src 'self' 'wasm-unsafe-eval'\">\n\
    <title>Tracelens</title></head><body></body></html>\n";
const WASM: &[u8] = b"\0asm\x01\0\0\0 pretend module";

/// A fresh folder under the test target dir: `root/site` (DIR) with a site's
/// kinds of files, and `root/secret.txt` and `root/outside/secret.txt` beside it.
fn site(test: &str) -> (PathBuf, PathBuf) {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-{test}"));
    let _ = std::fs::remove_dir_all(&root);
    let dir = root.join("site");
    for folder in [dir.join("examples"), dir.join("empty"), root.join("outside")] {
        std::fs::create_dir_all(folder).unwrap();
    }
    std::fs::write(root.join("secret.txt"), SECRET).unwrap();
    std::fs::write(root.join("outside/secret.txt"), SECRET).unwrap();
    std::fs::write(dir.join("index.html"), INDEX_HTML).unwrap();
    std::fs::write(dir.join("tracelens-web-0123456789abcdef_bg.wasm"), WASM).unwrap();
    for (name, text) in [
        ("tracelens-web-0123456789abcdef.js", "export default 1;"),
        ("sw.js", "self.addEventListener('fetch', () => {});"),
        ("style-0123456789abcdef.css", "body{}"),
        ("favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        ("icon.png", "\u{89}PNG"),
        ("favicon.ico", "ico"),
        ("notes.txt", "notes"),
        ("site.webmanifest", "{}"),
        ("examples/shop.otlp.json", "{\"resourceSpans\":[]}"),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    (root, dir)
}

/// The running binary; killed when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tracelens"))
            .arg("serve")
            .arg(dir)
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Some(address) = line
            .strip_prefix("Tracelens is at http://")
            .and_then(|rest| rest.split_once('/'))
            .and_then(|(address, _)| address.parse().ok())
        else {
            let _ = child.kill();
            let mut stderr = String::new();
            child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
            panic!("no address printed: {line:?}; stderr: {stderr}");
        };
        Server { child, address }
    }

    /// Stops the server and returns what it wrote on stderr.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stderr: ChildStderr = self.child.stderr.take().unwrap();
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    }

    /// `METHOD TARGET` with this server's own Host.
    fn request(&self, method: &str, target: &str) -> Answer {
        let host = self.address;
        self.raw(&format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\n\r\n"))
    }

    /// Sends `request` as it is and reads the answer until the server closes.
    fn raw(&self, request: &str) -> Answer {
        let mut stream = TcpStream::connect(self.address).unwrap();
        // Only so that a hung server fails the test instead of hanging it.
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).unwrap();
        Answer::parse(&bytes)
    }
}

#[derive(Debug)]
struct Answer {
    status: u16,
    /// Names lowercased.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn parse(bytes: &[u8]) -> Answer {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a head ending in a blank line");
        let head = std::str::from_utf8(&bytes[..end]).unwrap();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
        let status = status_line[9..12].parse().unwrap();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(": ").unwrap();
                (name.to_ascii_lowercase(), value.to_owned())
            })
            .collect();
        Answer {
            status,
            headers,
            body: bytes[end + 4..].to_vec(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let value = values.next();
        assert_eq!(values.next(), None, "{name} sent twice");
        value
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[test]
fn serves_the_page_and_its_files_with_the_types_a_browser_needs() {
    let (_root, dir) = site("types");
    let server = Server::start(&dir, &[]);
    for target in ["/", "/index.html", "/?from=bookmark"] {
        let page = server.request("GET", target);
        assert_eq!(page.status, 200, "{target}");
        assert_eq!(page.text(), INDEX_HTML);
        assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(page.header("cache-control"), Some("no-cache"));
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        // The meta tag's policy, its line break made a space, and what
        // only a header can say: no other site may frame the page.
        assert_eq!(
            page.header("content-security-policy"),
            Some("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'")
        );
    }

    let wasm = server.request("GET", "/tracelens-web-0123456789abcdef_bg.wasm");
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.body, WASM);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.header("content-length"), Some(WASM.len().to_string().as_str()));
    assert_eq!(
        wasm.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    for (target, content_type, cache) in [
        (
            "/tracelens-web-0123456789abcdef.js",
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        ("/sw.js", "text/javascript; charset=utf-8", "no-cache"),
        (
            "/style-0123456789abcdef.css",
            "text/css; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        ("/favicon.svg", "image/svg+xml", "no-cache"),
        ("/icon.png", "image/png", "no-cache"),
        ("/favicon.ico", "image/x-icon", "no-cache"),
        ("/notes.txt", "text/plain; charset=utf-8", "no-cache"),
        ("/site.webmanifest", "application/manifest+json", "no-cache"),
        ("/examples/shop.otlp.json", "application/json", "no-cache"),
        ("/examples/shop%2Eotlp.json", "application/json", "no-cache"),
    ] {
        let answer = server.request("GET", target);
        assert_eq!(answer.status, 200, "{target}");
        assert_eq!(answer.header("content-type"), Some(content_type), "{target}");
        assert_eq!(answer.header("cache-control"), Some(cache), "{target}");
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"), "{target}");
    }
}

#[test]
fn what_is_missing_is_a_404_with_a_short_text_and_folders_are_not_listed() {
    let (_root, dir) = site("missing");
    let server = Server::start(&dir, &[]);
    for target in [
        "/nope.js",
        "/examples",
        "/examples/",
        "/empty/",
        "/.hidden",
        "/examples/.git/config",
    ] {
        let answer = server.request("GET", target);
        assert_eq!(answer.status, 404, "{target}");
        assert_eq!(answer.header("content-type"), Some("text/plain; charset=utf-8"));
        assert!(
            answer.text().starts_with("404 Not Found") && answer.body.len() < 100,
            "{}",
            answer.text()
        );
        assert!(
            !answer.text().contains("shop"),
            "a folder was listed: {}",
            answer.text()
        );
    }
}

#[test]
fn nothing_outside_dir_is_ever_served() {
    let (root, dir) = site("traversal");
    let server = Server::start(&dir, &[]);
    let secret = root.join("secret.txt").canonicalize().unwrap();
    let secret = secret.to_str().unwrap();
    let encoded: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
    let mut targets: Vec<String> = [
        "/../secret.txt",
        "/examples/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/examples/..%2f..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/%5c..%5csecret.txt",
        "/..%00/secret.txt",
        "/secret.txt%00.html",
        "/%252e%252e/secret.txt",
        "/..;/secret.txt",
        "/.../secret.txt",
        "/../outside/secret.txt",
        "../secret.txt",
        "secret.txt",
        "http://127.0.0.1/../secret.txt",
    ]
    .map(str::to_owned)
    .to_vec();
    // The secret's absolute path, plain, doubled and encoded.
    targets.push(secret.to_owned());
    targets.push(format!("/{secret}"));
    targets.push(format!("/{encoded}"));
    for target in &targets {
        let answer = server.request("GET", target);
        assert_ne!(answer.status, 200, "{target} was served");
        assert!(!answer.text().contains(SECRET), "{target} gave the secret");
    }
    // Windows device names, which would open a device there, not a file.
    for target in ["/CON", "/nul.txt", "/examples/com1.json", "/LPT9"] {
        assert_eq!(server.request("GET", target).status, 400, "{target}");
    }
    // HTTP/1.0, without Host, is held to the same paths.
    let answer = server.raw("GET /../secret.txt HTTP/1.0\r\n\r\n");
    assert_eq!(answer.status, 400);
    assert!(!answer.text().contains(SECRET));
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_only_inside_dir() {
    let (_root, dir) = site("symlinks");
    std::os::unix::fs::symlink("../secret.txt", dir.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink("../outside", dir.join("out")).unwrap();
    std::os::unix::fs::symlink("examples/shop.otlp.json", dir.join("shop.json")).unwrap();
    // A clean name that reaches a hidden one, as a Windows 8.3 name does.
    std::fs::create_dir(dir.join(".git")).unwrap();
    std::fs::write(dir.join(".git/config"), SECRET).unwrap();
    std::os::unix::fs::symlink(".git", dir.join("GIT~1")).unwrap();
    let server = Server::start(&dir, &[]);
    for target in ["/leak.txt", "/out/secret.txt", "/out/", "/GIT~1/config"] {
        let answer = server.request("GET", target);
        assert_eq!(answer.status, 404, "{target}");
        assert!(!answer.text().contains(SECRET), "{target} gave the secret");
    }
    let inside = server.request("GET", "/shop.json");
    assert_eq!(inside.status, 200);
    assert_eq!(inside.text(), "{\"resourceSpans\":[]}");
}

#[test]
fn only_get_and_head_are_answered() {
    let (_root, dir) = site("methods");
    let server = Server::start(&dir, &[]);
    let host = server.address;
    let post = server.raw(&format!(
        "POST /index.html HTTP/1.1\r\nHost: {host}\r\nContent-Length: 11\r\n\r\nhello=world"
    ));
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    for method in ["PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "get"] {
        let answer = server.request(method, "/index.html");
        assert_eq!(answer.status, 405, "{method}");
        assert!(!answer.text().contains("<html"), "{method}");
    }
}

#[test]
fn head_sends_the_length_and_type_without_the_body() {
    let (_root, dir) = site("head");
    let server = Server::start(&dir, &[]);
    let head = server.request("HEAD", "/tracelens-web-0123456789abcdef_bg.wasm");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("application/wasm"));
    assert_eq!(head.header("content-length"), Some(WASM.len().to_string().as_str()));
    assert!(head.body.is_empty(), "{:?}", head.body);
    let missing = server.request("HEAD", "/nope");
    assert_eq!(missing.status, 404);
    assert!(missing.body.is_empty());
}

#[test]
fn on_loopback_only_requests_to_loopback_names_are_answered() {
    let (_root, dir) = site("host");
    let server = Server::start(&dir, &[]);
    let port = server.address.port();
    // A page that points its own name at 127.0.0.1 (DNS rebinding).
    let rebound = server.raw("GET / HTTP/1.1\r\nHost: attacker.example\r\n\r\n");
    assert_eq!(rebound.status, 421);
    assert!(!rebound.text().contains("<html"));
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let answer = server.raw(&format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"));
        assert_eq!(answer.status, 200, "{host}");
    }
    assert_eq!(
        server.raw("GET / HTTP/1.1\r\n\r\n").status,
        400,
        "HTTP/1.1 without Host"
    );
}

#[test]
fn idle_connections_do_not_hold_up_a_request() {
    let (_root, dir) = site("idle");
    let server = Server::start(&dir, &[]);
    // More than a browser's six, saying nothing, as preconnects do.
    let idle: Vec<TcpStream> = (0..10).map(|_| TcpStream::connect(server.address).unwrap()).collect();
    assert_eq!(server.request("GET", "/").status, 200);
    drop(idle);
}

/// What a connection got before the server closed it: an answer, or
/// nothing (closed or reset unanswered).
fn answer_or_nothing(mut stream: TcpStream) -> Option<Answer> {
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut bytes = Vec::new();
    match stream.read_to_end(&mut bytes) {
        Ok(_) if bytes.is_empty() => None,
        Ok(_) => Some(Answer::parse(&bytes)),
        // A reset may come before or instead of the answer.
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset && bytes.is_empty() => None,
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => Some(Answer::parse(&bytes)),
        Err(error) => panic!("reading the answer: {error}"),
    }
}

/// A server on `::` (IPv4 and IPv6 at once), so that the test has two
/// clients on one machine: 127.0.0.1 and ::1. None where the system has
/// no IPv6 loopback or no dual-stack sockets.
fn dual_stack_server(dir: &Path, args: &[&str]) -> Option<(Server, SocketAddr, SocketAddr)> {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipped: no IPv6 loopback here");
        return None;
    }
    let args = [&["--bind", "::"], args].concat();
    let probed = Server::start(dir, &args);
    let v4 = SocketAddr::from(([127, 0, 0, 1], probed.address.port()));
    if TcpStream::connect(v4).is_err() {
        eprintln!("skipped: sockets on :: take no IPv4 here");
        return None;
    }
    // The probe took one of 127.0.0.1's connections for as long as its
    // thread ran: a server that never saw it counts them exactly.
    drop(probed);
    let server = Server::start(dir, &args);
    let v6 = server.address;
    Some((server, SocketAddr::from(([127, 0, 0, 1], v6.port())), v6))
}

/// `request` from `from` to the server, and its answer.
fn send(from: SocketAddr, request: &str) -> Option<Answer> {
    let mut stream = TcpStream::connect(from).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    answer_or_nothing(stream)
}

#[test]
fn one_client_cannot_take_every_connection() {
    let (_root, dir) = site("per-client");
    let Some((server, v4, v6)) = dual_stack_server(&dir, &[]) else {
        return;
    };
    let get = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    // The review's attack: 64 connections each sending a head's first bytes
    // and then too little too slowly. At most 16 are taken in (their 10 s
    // deadline is far off); the others are refused at once.
    let slow: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut stream = TcpStream::connect(v4).unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").unwrap();
            stream
        })
        .collect();
    let refused = send(v4, get);
    if let Some(answer) = &refused {
        assert_eq!(answer.status, 503, "{}", answer.text());
        assert_eq!(answer.header("retry-after"), Some("1"));
    }
    // Another client is served all the while.
    let other = send(v6, get).expect("an answer for the other client");
    assert_eq!(other.status, 200);
    assert_eq!(other.text(), INDEX_HTML);
    // The slow ones are not answered (nothing has ended their heads), but
    // the ones over the cap are closed: count them.
    let closed = slow
        .into_iter()
        .filter(|stream| {
            stream.set_nonblocking(true).unwrap();
            let mut byte = [0_u8; 1];
            !matches!((&*stream).read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
        })
        .count();
    // Closing is the server's doing, and it happens on accept, before the
    // answers above were given; so the count is exact, not timing.
    assert_eq!(closed, 64 - 16);
    drop(server);
}

#[test]
fn a_trickled_head_is_cut_at_its_deadline_while_others_are_served() {
    let (_root, dir) = site("trickle");
    let server = Server::start(&dir, &["--head-timeout-ms", "1000"]);
    let host = server.address;
    let mut slow = TcpStream::connect(server.address).unwrap();
    slow.write_all(format!("GET / HTTP/1.1\r\nHost: {host}\r\nX-Slow: ").as_bytes())
        .unwrap();
    // A byte every 20 ms, each well within any per-read timeout, for up to
    // 10 s: far past the 1 s the whole head may take here.
    let mut cut = false;
    for _ in 0..500 {
        if slow.write_all(b"a").is_err() {
            cut = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        let normal = server.request("GET", "/favicon.svg");
        assert_eq!(normal.status, 200, "a normal request beside the slow one");
    }
    assert!(cut, "the trickled head was still read after 500 bytes");
    assert!(answer_or_nothing(slow).is_none(), "a head cut off is not answered");
}

#[test]
fn a_body_sent_after_the_answer_is_drained_for_a_bounded_time() {
    let (_root, dir) = site("linger");
    let server = Server::start(&dir, &[]);
    let host = server.address;
    let mut stream = TcpStream::connect(server.address).unwrap();
    stream
        .write_all(format!("POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: 100000000\r\n\r\n").as_bytes())
        .unwrap();
    // The body trickles in, a byte every 20 ms for up to 30 s; the server,
    // draining it after its answer, must stop after its 2 s in all.
    let mut writer = stream.try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        (0..1500).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            writer.write_all(b"x").is_err()
        })
    });
    let answer = answer_or_nothing(stream).expect("an answer");
    assert_eq!(answer.status, 405);
    assert!(trickle.join().unwrap(), "the server kept draining the body");
}

#[test]
fn a_non_loopback_address_warns_that_the_site_is_reachable() {
    let (_root, dir) = site("bind");
    let server = Server::start(&dir, &["--bind", "0.0.0.0"]);
    // The address printed to open is this machine's loopback, not 0.0.0.0.
    assert!(server.address.ip().is_loopback(), "{}", server.address);
    // On the network, requests name the machine as the network knows it.
    let answer = server.raw("GET / HTTP/1.1\r\nHost: workstation.lan:8080\r\n\r\n");
    assert_eq!(answer.status, 200);
    let stderr = server.stop();
    assert!(stderr.contains("warning: listening on 0.0.0.0:"), "{stderr}");
    assert!(stderr.contains("never sent to this server"), "{stderr}");

    let (_root, dir) = site("bind-loopback");
    let quiet = Server::start(&dir, &[]).stop();
    assert!(!quiet.contains("warning"), "{quiet}");
}

#[test]
fn a_busy_port_or_a_missing_folder_is_an_error_that_says_so() {
    let (root, dir) = site("errors");
    let first = Server::start(&dir, &[]);
    let port = first.address.port().to_string();
    let busy = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .arg("serve")
        .arg(&dir)
        .args(["--port", &port])
        .output()
        .unwrap();
    assert_eq!(busy.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&busy.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );

    let missing = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .arg("serve")
        .arg(root.join("no-such-folder"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot serve"));
}

#[test]
fn without_a_policy_in_the_page_only_framing_is_forbidden() {
    let (_root, dir) = site("no-policy");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>x</title>").unwrap();
    let server = Server::start(&dir, &[]);
    let page = server.request("GET", "/");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-security-policy"), Some("frame-ancestors 'none'"));
}
