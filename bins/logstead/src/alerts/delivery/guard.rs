//! The webhook agent's resolver: it resolves as ureq would, then refuses the host if any
//! address is internal (alerts_engine::ssrf). ureq connects only to the addresses a
//! resolver returns, so the vetted addresses are the ones connected to (a DNS answer that
//! changes between a check and the connect cannot slip through), and every redirect hop
//! is resolved, so vetted, again.

use std::net::IpAddr;

use alerts_engine::ssrf::{self, Refused};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Which addresses are refused: `ssrf::is_forbidden_ip`, or a narrower rule in tests.
pub type Classify = fn(IpAddr) -> Option<&'static str>;

#[derive(Debug)]
pub struct VettingResolver {
    inner: DefaultResolver,
    classify: Classify,
}

impl Resolver for VettingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        let host = uri.host().unwrap_or_default();
        ssrf::vet_by(host, &addrs, self.classify).map_err(|r| ureq::Error::Other(Box::new(r)))?;
        Ok(addrs)
    }
}

/// An agent for webhooks: non-2xx are responses, every request times out, and no proxy
/// from the environment (a proxy would resolve the host itself, unvetted).
pub fn agent(classify: Classify) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(super::TIMEOUT))
        .proxy(None)
        .build();
    let resolver = VettingResolver { inner: DefaultResolver::default(), classify };
    ureq::Agent::with_parts(config, DefaultConnector::default(), resolver)
}

/// The refusal inside a ureq error, if the resolver refused the target.
pub fn refusal(e: &ureq::Error) -> Option<&Refused> {
    match e {
        ureq::Error::Other(inner) => inner.downcast_ref::<Refused>(),
        _ => None,
    }
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
