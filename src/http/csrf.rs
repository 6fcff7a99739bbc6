//! Cross-site request forgery: a browser sends the session cookie with any
//! request, even one a page on another site makes it send. So a
//! state-changing request authenticated by the cookie must also present the
//! CSRF token — derived from the session, which another site cannot read —
//! and must not come from another origin (`Origin`, `Sec-Fetch-Site`).
//! Bearer tokens are never sent by a browser on its own, so requests that
//! carry one need none of this.

use actix_web::http::{header, Method};
use actix_web::HttpRequest;
use sha2::{Digest, Sha256};

use super::ApiError;

/// The header a cookie-authenticated state-changing request carries.
pub const HEADER: &str = "X-CSRF-Token";

/// The CSRF token of a session: a digest of the session's secret, so it
/// needs no storage and dies with the session.
pub fn token_for(session: &str) -> String {
    hex::encode(Sha256::digest(
        format!("propcredit-csrf:{session}").as_bytes(),
    ))
}

/// Methods that change state and so need protection.
pub fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Equal in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Does the request come from this site? A browser says so in
/// `Sec-Fetch-Site` and `Origin`; a request with neither (curl, a script)
/// is judged by its token alone.
pub fn check_same_origin(req: &HttpRequest) -> Result<(), ApiError> {
    if let Some(site) = req.headers().get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("cross-site");
        if !matches!(site, "same-origin" | "none") {
            return Err(ApiError::CsrfFailed(format!(
                "the request came from another site (Sec-Fetch-Site: {site})"
            )));
        }
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let origin_host = origin
            .split_once("://")
            .map_or("", |(_, rest)| rest.trim_end_matches('/'));
        if origin == "null" || host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
            return Err(ApiError::CsrfFailed(format!(
                "the request came from another origin ({origin})"
            )));
        }
    }
    Ok(())
}

/// A cookie-authenticated state-changing request: same origin, and the
/// session's token in the `X-CSRF-Token` header.
pub fn check_header(req: &HttpRequest, session: &str) -> Result<(), ApiError> {
    check_same_origin(req)?;
    let presented = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    check_token(session, presented)
}

/// The token a form or header presented, against the session's.
pub fn check_token(session: &str, presented: &str) -> Result<(), ApiError> {
    if presented.is_empty() {
        return Err(ApiError::CsrfFailed(format!(
            "a request signed in by the session cookie must carry the {HEADER} header (its value is in the sign-in answer)"
        )));
    }
    if !same_secret(&token_for(session), presented) {
        return Err(ApiError::CsrfFailed(
            "the CSRF token does not belong to this session".into(),
        ));
    }
    Ok(())
}

/// The cookie that carries a login form's token: before signing in there is
/// no session to derive one from, so the form and the cookie must agree
/// (another site can make a browser post a form, but cannot read or set
/// this cookie).
pub const LOGIN_COOKIE: &str = "propcredit_login";

/// A fresh random token for a login form and its cookie.
pub fn new_login_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// A posted login form: same origin, and its hidden field equal to the
/// login cookie the form came with.
pub fn check_login_form(req: &HttpRequest, presented: &str) -> Result<(), ApiError> {
    check_same_origin(req)?;
    let cookie = req.cookie(LOGIN_COOKIE).map(|c| c.value().to_string());
    match cookie {
        Some(c) if !presented.is_empty() && same_secret(&c, presented) => Ok(()),
        _ => Err(ApiError::CsrfFailed(
            "the login form has expired or came from another site; load it again".into(),
        )),
    }
}

/// A posted form of a signed-in page: same origin, and the session's token
/// in its hidden field.
pub fn check_form(req: &HttpRequest, session: &str, presented: &str) -> Result<(), ApiError> {
    check_same_origin(req)?;
    check_token(session, presented)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn tokens_belong_to_their_session() {
        let t = token_for("s1");
        assert!(check_token("s1", &t).is_ok());
        assert!(check_token("s2", &t).is_err());
        assert!(check_token("s1", "").is_err());
    }

    #[test]
    fn other_origins_are_refused() {
        let req = TestRequest::post()
            .insert_header((header::HOST, "bureau.example:8080"))
            .insert_header((header::ORIGIN, "https://evil.example"))
            .to_http_request();
        assert!(check_same_origin(&req).is_err());
        let req = TestRequest::post()
            .insert_header((header::HOST, "bureau.example:8080"))
            .insert_header((header::ORIGIN, "http://bureau.example:8080"))
            .insert_header(("sec-fetch-site", "same-origin"))
            .to_http_request();
        assert!(check_same_origin(&req).is_ok());
        let req = TestRequest::post()
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_http_request();
        assert!(check_same_origin(&req).is_err());
        assert!(check_same_origin(&TestRequest::post().to_http_request()).is_ok());
    }
}
