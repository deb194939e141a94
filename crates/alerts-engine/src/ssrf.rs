//! Webhook targets must not be internal services (SSRF): a project key must not be able to
//! make the server connect to its own loopback, the private network or a cloud metadata
//! endpoint. [`is_forbidden_ip`] classifies one address; [`vet`] applies it to everything
//! a host resolves to (one bad address refuses the host, so a name cannot mix a public
//! address with an internal one). The server checks on create and again on every delivery,
//! connecting only to the addresses it vetted.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// Why a host was refused: the host as written, one forbidden address it resolves to, and
/// the address's class.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct Refused {
    pub host: String,
    pub ip: IpAddr,
    /// E.g. "a loopback address", as [`is_forbidden_ip`] says it.
    pub class: &'static str,
}

impl Refused {
    fn describe(&self) -> String {
        let bare = self.host.trim_start_matches('[').trim_end_matches(']');
        if bare.parse::<IpAddr>().is_ok_and(|h| h == self.ip) {
            format!("{} is {}", self.ip, self.class)
        } else {
            format!("{} resolves to {}, which is {}", self.host, self.ip, self.class)
        }
    }
}

/// The class of an address webhooks must not reach, or None for a public unicast one.
/// std's `is_private`/`is_loopback`/... cover part of this and several are unstable, so
/// the ranges are written out (IANA special-purpose registries). IPv6 forms that embed an
/// IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that IPv4 address.
pub fn is_forbidden_ip(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, d] = ip.octets();
    Some(match (a, b, c, d) {
        (0, 0, 0, 0) => "an unspecified address",
        (0, ..) => "a reserved address (this network)",
        (127, ..) => "a loopback address",
        (10, ..) | (192, 168, ..) => "a private address",
        (172, 16..=31, ..) => "a private address",
        (100, 64..=127, ..) => "a shared address (carrier-grade NAT)",
        // AWS, GCP, Azure, OpenStack and others serve instance metadata here.
        (169, 254, 169, 254) => "a cloud metadata address",
        (169, 254, ..) => "a link-local address",
        // 192.0.0.0/24 holds protocol assignments (and Oracle Cloud's metadata, .192).
        (192, 0, 0, _) => "a reserved address",
        (192, 0, 2, _) | (198, 51, 100, _) | (203, 0, 113, _) => "a documentation address",
        (192, 88, 99, _) => "a reserved address (6to4 relay)",
        (198, 18..=19, ..) => "a benchmarking address",
        (224..=239, ..) => "a multicast address",
        (255, 255, 255, 255) => "the broadcast address",
        (240..=255, ..) => "a reserved address",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_unspecified() {
        return Some("an unspecified address");
    }
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    if let Some(v4) = embedded_v4(ip) {
        return forbidden_v4(v4);
    }
    Some(match s {
        // AWS's IPv6 instance metadata endpoint (inside fc00::/7, named for the message).
        [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254] => "a cloud metadata address",
        [x, ..] if x & 0xfe00 == 0xfc00 => "a unique-local address",
        [x, ..] if x & 0xffc0 == 0xfe80 => "a link-local address",
        // Site-local, deprecated but still routed internally by some networks.
        [x, ..] if x & 0xffc0 == 0xfec0 => "a private address (site-local)",
        [x, ..] if x & 0xff00 == 0xff00 => "a multicast address",
        [0x2001, 0x0db8, ..] => "a documentation address",
        [0x3fff, y, ..] if y & 0xf000 == 0 => "a documentation address",
        [0x2001, 0x0002, 0, ..] => "a benchmarking address",
        // Teredo: the client's IPv4 is hidden in the address and reached through a relay.
        [0x2001, 0, ..] => "a reserved address (Teredo)",
        // NAT64 local-use prefix (RFC 8215): translated inside the local network.
        [0x0064, 0xff9b, 0x0001, ..] => "a private address (local NAT64)",
        [0x0100, 0, 0, 0, ..] => "a reserved address (discard-only)",
        // Everything outside 2000::/3 is unassigned or special.
        [x, ..] if x & 0xe000 != 0x2000 => "a reserved address",
        _ => return None,
    })
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (::ffff:a.b.c.d),
/// IPv4-compatible (::a.b.c.d, deprecated), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let o = ip.octets();
    let low = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match ip.segments() {
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0, 0, ..] => Some(low),
        [0x0064, 0xff9b, 0, 0, 0, 0, ..] => Some(low),
        [0x2002, ..] => Some(Ipv4Addr::new(o[2], o[3], o[4], o[5])),
        _ => None,
    }
}

/// `localhost` and `*.localhost` are loopback by definition (RFC 6761), whatever DNS says.
pub fn is_local_name(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost")
}

/// Refuses `host` if it is a local name or any of its addresses is forbidden.
pub fn vet(host: &str, addrs: &[SocketAddr]) -> Result<(), Refused> {
    vet_by(host, addrs, is_forbidden_ip)
}

/// [`vet`] with another address rule (tests narrow it to tell two local servers apart).
pub fn vet_by(
    host: &str,
    addrs: &[SocketAddr],
    classify: fn(IpAddr) -> Option<&'static str>,
) -> Result<(), Refused> {
    if is_local_name(host) {
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        return Err(Refused { host: host.to_string(), ip, class: "a loopback address" });
    }
    match addrs.iter().find_map(|a| classify(a.ip()).map(|c| (a.ip(), c))) {
        Some((ip, class)) => Err(Refused { host: host.to_string(), ip, class }),
        None => Ok(()),
    }
}

/// Checks a webhook URL's host: a literal address directly, a name through `resolve`.
/// A name that does not resolve passes: there is nothing to refuse yet, and every delivery
/// resolves and vets again before it connects.
pub fn check_url(
    url: &url::Url,
    resolve: impl FnOnce(&str, u16) -> std::io::Result<Vec<SocketAddr>>,
) -> Result<(), Refused> {
    let port = url.port_or_known_default().unwrap_or(443);
    let addr = |ip: IpAddr| [SocketAddr::new(ip, port)];
    match url.host() {
        None => Ok(()),
        Some(url::Host::Ipv4(v4)) => vet(&v4.to_string(), &addr(IpAddr::V4(v4))),
        Some(url::Host::Ipv6(v6)) => vet(&v6.to_string(), &addr(IpAddr::V6(v6))),
        Some(url::Host::Domain(name)) => {
            if is_local_name(name) {
                return vet(name, &[]);
            }
            match resolve(name, port) {
                Ok(addrs) => vet(name, &addrs),
                Err(_) => Ok(()),
            }
        }
    }
}

/// The system resolver (getaddrinfo), as the sender uses it.
pub fn system_resolve(host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    Ok((host, port).to_socket_addrs()?.collect())
}

#[cfg(test)]
#[path = "ssrf_tests.rs"]
mod tests;
