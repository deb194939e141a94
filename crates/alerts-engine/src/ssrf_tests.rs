#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, SocketAddr};

use super::*;

fn class(ip: &str) -> Option<&'static str> {
    is_forbidden_ip(ip.parse::<IpAddr>().unwrap())
}

/// Every class, with the first and last address of each IPv4 range where it matters.
#[test]
fn ipv4_classes() {
    let cases = [
        ("0.0.0.0", "an unspecified address"),
        ("0.1.2.3", "a reserved address (this network)"),
        ("127.0.0.1", "a loopback address"),
        ("127.255.255.254", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("10.255.255.255", "a private address"),
        ("172.16.0.1", "a private address"),
        ("172.31.255.255", "a private address"),
        ("192.168.1.1", "a private address"),
        ("100.64.0.1", "a shared address (carrier-grade NAT)"),
        ("100.127.255.255", "a shared address (carrier-grade NAT)"),
        ("169.254.169.254", "a cloud metadata address"),
        ("169.254.0.1", "a link-local address"),
        ("192.0.0.192", "a reserved address"),
        ("192.0.2.10", "a documentation address"),
        ("198.51.100.10", "a documentation address"),
        ("203.0.113.10", "a documentation address"),
        ("192.88.99.1", "a reserved address (6to4 relay)"),
        ("198.18.0.1", "a benchmarking address"),
        ("198.19.255.255", "a benchmarking address"),
        ("224.0.0.1", "a multicast address"),
        ("239.255.255.250", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("255.255.255.255", "the broadcast address"),
    ];
    for (ip, want) in cases {
        assert_eq!(class(ip), Some(want), "{ip}");
    }
}

/// The neighbours of each range are public.
#[test]
fn ipv4_public_neighbours_pass() {
    for ip in [
        "1.1.1.1",
        "8.8.8.8",
        "9.255.255.255",
        "11.0.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.167.255.255",
        "192.169.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "192.0.1.1",
        "198.17.255.255",
        "198.20.0.0",
        "223.255.255.255",
    ] {
        assert_eq!(class(ip), None, "{ip}");
    }
}

#[test]
fn ipv6_classes() {
    let cases = [
        ("::", "an unspecified address"),
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("febf:ffff::1", "a link-local address"),
        ("fc00::1", "a unique-local address"),
        ("fdff:ffff::1", "a unique-local address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("fec0::1", "a private address (site-local)"),
        ("ff02::1", "a multicast address"),
        ("2001:db8::1", "a documentation address"),
        ("3fff::1", "a documentation address"),
        ("2001:2::1", "a benchmarking address"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a reserved address (Teredo)"),
        ("64:ff9b:1::1", "a private address (local NAT64)"),
        ("100::1", "a reserved address (discard-only)"),
        ("4000::1", "a reserved address"),
    ];
    for (ip, want) in cases {
        assert_eq!(class(ip), Some(want), "{ip}");
    }
    for ip in ["2606:4700:4700::1111", "2a00:1450:4001::1", "2001:4860:4860::8888", "3ffe::1"] {
        assert_eq!(class(ip), None, "{ip}");
    }
}

/// IPv6 forms carrying an IPv4 address are judged by that address, both ways.
#[test]
fn ipv6_embedding_ipv4_is_judged_by_it() {
    let cases = [
        ("::ffff:127.0.0.1", Some("a loopback address")),
        ("::ffff:7f00:1", Some("a loopback address")),
        ("::ffff:10.1.2.3", Some("a private address")),
        ("::ffff:169.254.169.254", Some("a cloud metadata address")),
        ("::ffff:8.8.8.8", None),
        ("::127.0.0.1", Some("a loopback address")),
        ("::192.168.0.1", Some("a private address")),
        ("64:ff9b::127.0.0.1", Some("a loopback address")),
        ("64:ff9b::a9fe:a9fe", Some("a cloud metadata address")),
        ("64:ff9b::8.8.8.8", None),
        ("2002:7f00:1::1", Some("a loopback address")),
        ("2002:c0a8:101::1", Some("a private address")),
        ("2002:808:808::1", None),
    ];
    for (ip, want) in cases {
        assert_eq!(class(ip), want, "{ip}");
    }
}

fn sa(ip: &str) -> SocketAddr {
    SocketAddr::new(ip.parse().unwrap(), 443)
}

#[test]
fn one_bad_address_refuses_the_host() {
    assert_eq!(vet("hooks.example.com", &[sa("93.184.216.34"), sa("2606:2800:220:1::1")]), Ok(()));
    let err = vet("hooks.example.com", &[sa("93.184.216.34"), sa("10.0.0.7")]).unwrap_err();
    assert_eq!(err.ip, "10.0.0.7".parse::<IpAddr>().unwrap());
    assert_eq!(err.to_string(), "hooks.example.com resolves to 10.0.0.7, which is a private address");
    let err = vet("127.0.0.1", &[sa("127.0.0.1")]).unwrap_err();
    assert_eq!(err.to_string(), "127.0.0.1 is a loopback address");
    let err = vet("[::1]", &[sa("::1")]).unwrap_err();
    assert_eq!(err.to_string(), "::1 is a loopback address");
}

#[test]
fn localhost_names_are_loopback_without_asking_dns() {
    for name in ["localhost", "LOCALHOST.", "api.localhost"] {
        assert!(is_local_name(name), "{name}");
        assert_eq!(vet(name, &[sa("93.184.216.34")]).unwrap_err().class, "a loopback address");
        let url = url::Url::parse(&format!("https://{name}/hook")).unwrap();
        let refused = check_url(&url, |_, _| panic!("localhost is not looked up")).unwrap_err();
        assert_eq!(refused.class, "a loopback address");
    }
    assert!(!is_local_name("localhost.example.com"));
}

#[test]
fn url_literals_are_checked_as_parsed() {
    let no_dns =
        |_: &str, _: u16| -> std::io::Result<Vec<SocketAddr>> { panic!("a literal is not looked up") };
    let cases = [
        ("https://127.0.0.1:5432/", "a loopback address"),
        // The URL parser normalises these IPv4 spellings to 127.0.0.1.
        ("https://2130706433/", "a loopback address"),
        ("https://0x7f.1/", "a loopback address"),
        ("https://[::1]/", "a loopback address"),
        ("https://[::ffff:169.254.169.254]/", "a cloud metadata address"),
        ("https://[fd00:ec2::254]/", "a cloud metadata address"),
        ("https://[fe80::1]/", "a link-local address"),
        ("https://[fc00::1]/", "a unique-local address"),
        ("https://192.168.0.10/", "a private address"),
        ("https://100.64.1.1/", "a shared address (carrier-grade NAT)"),
    ];
    for (raw, want) in cases {
        let url = url::Url::parse(raw).unwrap();
        assert_eq!(check_url(&url, no_dns).unwrap_err().class, want, "{raw}");
    }
    let url = url::Url::parse("https://93.184.216.34/").unwrap();
    assert_eq!(check_url(&url, no_dns), Ok(()));
}

#[test]
fn names_are_resolved_with_the_urls_port() {
    let url = url::Url::parse("https://internal.example.com/hook").unwrap();
    let refused = check_url(&url, |host, port| {
        assert_eq!((host, port), ("internal.example.com", 443));
        Ok(vec![sa("8.8.8.8"), sa("fd12::1")])
    })
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "internal.example.com resolves to fd12::1, which is a unique-local address"
    );

    let url = url::Url::parse("http://public.example.com:8080/").unwrap();
    let seen = std::cell::Cell::new(0);
    let ok = check_url(&url, |_, port| {
        seen.set(port);
        Ok(vec![sa("8.8.8.8")])
    });
    assert_eq!((ok, seen.get()), (Ok(()), 8080));
}

/// Nothing to refuse yet: the delivery resolves and vets again before connecting.
#[test]
fn names_that_do_not_resolve_pass() {
    let url = url::Url::parse("https://nowhere.invalid/").unwrap();
    let nx = |_: &str, _: u16| Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no such host"));
    assert_eq!(check_url(&url, nx), Ok(()));
}

#[test]
fn system_resolve_finds_localhost() {
    let addrs = system_resolve("localhost", 80).unwrap();
    assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80), "{addrs:?}");
    assert!(!addrs.is_empty());
}
