#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;

/// A local HTTP server answering every request with `answer`, recording request lines.
struct Server {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(ip: &str, answer: impl Fn() -> String + Send + 'static) -> Server {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (got, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
        let (sink, stopped) = (got.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                let Ok((mut s, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                s.set_nonblocking(false).unwrap();
                let mut reader = BufReader::new(s.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap() == 0 || h.trim().is_empty() {
                        break;
                    }
                }
                sink.lock().unwrap().push(line.trim().to_string());
                let _ = s.write_all(answer().as_bytes());
            }
        });
        Server { addr, got, stop }
    }

    fn requests(&self) -> Vec<String> {
        self.got.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn ok() -> String {
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
}

/// 127.0.0.2 stands for an internal service; 127.0.0.1 for a public receiver.
fn only_127_0_0_2(ip: std::net::IpAddr) -> Option<&'static str> {
    (ip.to_string() == "127.0.0.2").then_some("a loopback address")
}

#[test]
fn internal_targets_are_refused_before_connecting() {
    let server = Server::start("127.0.0.1", ok);
    let webhooks = agent(ssrf::is_forbidden_ip);
    for url in [
        format!("http://127.0.0.1:{}/hook", server.addr.port()),
        format!("http://localhost:{}/hook", server.addr.port()),
    ] {
        let err = webhooks.post(&url).send(&b"{}"[..]).unwrap_err();
        let refused = refusal(&err).unwrap_or_else(|| panic!("{url}: not a refusal: {err}"));
        assert_eq!((refused.ip.to_string(), refused.class), ("127.0.0.1".into(), "a loopback address"));
    }
    // The same server is reachable through an agent that allows it: the refusal was ours.
    let open = agent(|_| None);
    let r = open.post(&format!("http://127.0.0.1:{}/hook", server.addr.port())).send(&b"{}"[..]);
    assert_eq!(r.unwrap().status().as_u16(), 200);
    assert_eq!(server.requests(), ["POST /hook HTTP/1.1"]);
}

/// Each redirect hop is resolved and vetted again: a public receiver cannot bounce the
/// request to an internal one.
#[test]
fn redirects_to_internal_targets_are_refused() {
    let internal = Server::start("127.0.0.2", ok);
    let location = format!("http://127.0.0.2:{}/admin", internal.addr.port());
    let public = Server::start("127.0.0.1", move || {
        format!(
            "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    });
    let url = format!("http://127.0.0.1:{}/hook", public.addr.port());

    let err = agent(only_127_0_0_2).post(&url).send(&b"{}"[..]).unwrap_err();
    let refused = refusal(&err).unwrap_or_else(|| panic!("not a refusal: {err}"));
    assert_eq!(refused.ip.to_string(), "127.0.0.2");
    assert_eq!(public.requests(), ["POST /hook HTTP/1.1"]);
    assert!(internal.requests().is_empty(), "{:?}", internal.requests());

    // Control: with 127.0.0.2 allowed the redirect is followed, so the test above could fail.
    let r = agent(|_| None).post(&url).send(&b"{}"[..]).unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(internal.requests(), ["GET /admin HTTP/1.1"]);
}

#[test]
fn other_errors_are_not_refusals() {
    // A closed port: a connection error, retried as usual.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = agent(|_| None).post(&format!("http://127.0.0.1:{port}/")).send(&b"{}"[..]).unwrap_err();
    assert!(refusal(&err).is_none(), "{err}");
}
