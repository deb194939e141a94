//! DRF limit/offset pages with absolute `next`/`previous` links.

use actix_web::HttpRequest;
use orgs::{Page, PageReq};
use serde::Serialize;

pub const DEFAULT_LIMIT: i64 = 100;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paginated<T> {
    pub count: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

impl<T> Paginated<T> {
    /// Every item in one page: no links.
    pub fn whole(results: Vec<T>) -> Self {
        let count = i64::try_from(results.len()).unwrap_or(i64::MAX);
        Self { count, next: None, previous: None, results }
    }
}

/// Non-integer or non-positive values fall back to the defaults, as in DRF.
pub fn page_req(req: &HttpRequest) -> PageReq {
    let mut limit = DEFAULT_LIMIT;
    let mut offset = 0;
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match (k.as_ref(), v.parse::<i64>()) {
            ("limit", Ok(n)) if n > 0 => limit = n,
            ("offset", Ok(n)) if n > 0 => offset = n,
            _ => {}
        }
    }
    PageReq { limit, offset }
}

/// The request's absolute URL with `replace` keys removed and `set` pairs appended.
pub fn url_with(req: &HttpRequest, replace: &[&str], set: &[(&str, String)]) -> String {
    let info = req.connection_info();
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| !replace.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.extend(set.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("{}://{}{}?{}", info.scheme(), info.host(), req.path(), query)
}

/// Every parameter of the query string, in order (repeated keys kept).
pub fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn link(req: &HttpRequest, limit: i64, offset: Option<i64>) -> String {
    let mut set = vec![("limit", limit.to_string())];
    if let Some(o) = offset {
        set.push(("offset", o.to_string()));
    }
    url_with(req, &["limit", "offset"], &set)
}

pub fn paginate<T>(req: &HttpRequest, page: PageReq, found: Page<T>) -> Paginated<T> {
    let PageReq { limit, offset } = page;
    let next = (offset.saturating_add(limit) < found.count).then(|| link(req, limit, Some(offset + limit)));
    let previous = (offset > 0).then(|| {
        let back = offset - limit;
        link(req, limit, (back > 0).then_some(back))
    });
    Paginated { count: found.count, next, previous, results: found.items }
}
