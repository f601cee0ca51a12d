//! Headers every response carries: a Content-Security-Policy, `nosniff`, no referrer, no
//! framing, HSTS when the public address is https; and `Cache-Control: no-store` on API
//! answers that set no caching of their own (they carry personal data or tokens, or are
//! fresh by nature: seats left).
//!
//! The SPA's policy allows only its own origin, plus `'wasm-unsafe-eval'` to compile its
//! WebAssembly and the hashes of the inline boot scripts of the pages it serves (`dist/`'s
//! `index.html` and everything under `pages/`, read at start-up, so a rebuild changes them
//! with it). Swagger UI
//! (`/api/docs`) gets its own, looser policy: it ships inline scripts and styles.

use std::path::Path;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The policies and whether to send HSTS; built once at start-up.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    app: HeaderValue,
    docs: HeaderValue,
    hsts: bool,
}

const DOCS_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'; object-src 'none'";

/// `'sha256-…'` sources for every inline `<script>` (one without `src`) in `html`.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let after = &rest[open..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body.as_bytes()[..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body[close..];
    }
    hashes
}

impl SecurityHeaders {
    /// For the SPA built in `static_dir`, served at `public_url`.
    pub fn new(static_dir: &Path, public_url: Option<&str>) -> Self {
        // Every page's inline scripts (the home page has none; the app's pages start the app).
        let mut pages = vec![static_dir.join("index.html")];
        let mut dirs = vec![static_dir.join("pages")];
        while let Some(dir) = dirs.pop() {
            for path in std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok().map(|e| e.path()))
            {
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    pages.push(path);
                }
            }
        }
        let mut hashes: Vec<String> = pages
            .iter()
            .filter_map(|page| std::fs::read_to_string(page).ok())
            .flat_map(|html| inline_script_hashes(&html))
            .collect();
        hashes.sort();
        hashes.dedup();
        let scripts = hashes.join(" ");
        let app = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {scripts}; \
             style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
             font-src 'self'; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; \
             form-action 'self'; object-src 'none'"
        );
        SecurityHeaders {
            app: HeaderValue::from_str(&app).unwrap_or(HeaderValue::from_static(
                "default-src 'self'; frame-ancestors 'none'",
            )),
            docs: HeaderValue::from_static(DOCS_POLICY),
            hsts: public_url.is_some_and(|url| url.starts_with("https://")),
        }
    }
}

/// Middleware body (see the module docs).
pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let settings = req.app_data::<web::Data<SecurityHeaders>>().cloned();
    let path = req.path().to_owned();
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if let Some(settings) = settings {
        let policy = if path.starts_with("/api/docs") {
            settings.docs.clone()
        } else {
            settings.app.clone()
        };
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        if settings.hsts {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000; includeSubDomains"),
            );
        }
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed() {
        let html = r#"<script type="module">init();</script><script src="/a.js"></script>"#;
        let expected = format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init();"))
        );
        assert_eq!(inline_script_hashes(html), vec![expected]);
        assert!(inline_script_hashes("<p>no scripts</p>").is_empty());
    }
}
