//! Every request observed once, around everything else: a request id (the
//! caller's `X-Request-Id` when it sends a sane one, else a fresh one) in
//! the span all of the request's log lines carry and in the response's
//! `X-Request-Id`; an access line with the client address, method, path,
//! status and time; and the request counted in the metrics by route.

use std::net::IpAddr;
use std::time::Instant;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest};
use tracing::Instrument;

use crate::configuration::Settings;
use crate::metrics::Metrics;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The client's address: the connection's, or behind a proxy of our own
/// the one it forwards (`X-Forwarded-For` / `Forwarded`).
pub fn client_address(req: &HttpRequest, behind_proxy: bool) -> Option<IpAddr> {
    if behind_proxy {
        req.connection_info().realip_remote_addr().and_then(|a| {
            a.parse::<std::net::SocketAddr>()
                .map(|s| s.ip())
                .or_else(|_| a.parse())
                .ok()
        })
    } else {
        req.peer_addr().map(|a| a.ip())
    }
}

/// `web::block` inside the request's span: what a service logs on the
/// blocking pool carries the request id too.
pub async fn block<F, R>(f: F) -> Result<R, actix_web::error::BlockingError>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    web::block(move || span.in_scope(f)).await
}

/// A caller's id is kept when it is short and plain (it ends up in logs).
fn sane(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// 128 random bits, hex.
fn fresh_id() -> String {
    let mut bytes = [0u8; 16];
    match getrandom::fill(&mut bytes) {
        Ok(()) => hex::encode(bytes),
        // No randomness: still an id, unique enough within this process.
        Err(_) => format!(
            "t{}",
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ),
    }
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map_or_else(fresh_id, str::to_string);
    let behind_proxy = req
        .app_data::<web::Data<Settings>>()
        .is_some_and(|s| s.server.behind_proxy);
    let client = client_address(req.request(), behind_proxy)
        .map_or_else(|| "unknown".to_string(), |a| a.to_string());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let path = req.path().to_string();
    let span = tracing::info_span!("request", request_id = %id, %client, %method, %path);
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let took = started.elapsed();
    let (status, route) = match &result {
        Ok(res) => (
            res.status().as_u16(),
            res.request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_string()),
        ),
        Err(e) => (
            e.as_response_error().status_code().as_u16(),
            "unmatched".to_string(),
        ),
    };
    if let Some(m) = &metrics {
        m.request(&route, &method, status, took);
    }
    span.in_scope(|| {
        tracing::info!(
            status,
            duration_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            "access"
        );
    });
    let mut res = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_taken_from_the_caller() {
        assert!(sane("3f2a-11c0_edge.1:lb"));
        assert!(!sane(""));
        assert!(!sane("a b"));
        assert!(!sane("x\u{7f}"));
        assert!(!sane(&"a".repeat(129)));
        assert_eq!(fresh_id().len(), 32);
        assert_ne!(fresh_id(), fresh_id());
    }
}
