//! Serves the built SPA from `dist/`: content-hashed assets under `/assets/` cached for a
//! year, and for each of the SPA's pages its own HTML (never cached, so a new build is picked
//! up at once) with the page's first paint in the visitor's language, so that client-side
//! routes load on a reload or from a link; the home page is the server's (`crate::home`). Any
//! other path is a 404: with the not-found page (the SPA shows it, with a way home) when it
//! looks like a page, empty when it names a file (`/favicon.ico`, `/robots.txt`).

use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{ALLOW, CACHE_CONTROL, HeaderValue, SET_COOKIE, VARY};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::problem::ApiError;
use crate::routes::with_conn;
use crate::state::AppState;
use crate::{catalog, home};
use temujanji_shared::Lang;

/// Asset names carry a hash of their content, so they never change once served.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub fn configure(cfg: &mut web::ServiceConfig, dir: &Path) {
    let index = dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(dir = %dir.display(), "the SPA is not built; run `cargo xtask build-web`");
        cfg.default_service(web::to(spa_missing));
        return;
    }
    let assets = dir.join("assets");
    let brotli_dir = assets.clone();
    cfg.service(
        web::scope("/assets")
            .wrap(from_fn(cache_forever_when_found))
            .service(
                // Brotli, compressed at build time next to each asset (`NAME.br`), for a
                // client that accepts it; anyone else gets the file (gzip on the fly).
                web::resource("/{name}")
                    .guard(actix_web::guard::fn_guard(move |ctx| {
                        accepts_brotli(ctx.head())
                            && brotli_path(&brotli_dir, ctx.head().uri.path())
                                .is_some_and(|file| file.is_file())
                    }))
                    .route(web::get().to(move |req: HttpRequest| {
                        let assets = assets.clone();
                        async move { serve_brotli(&assets, &req) }
                    })),
            )
            .service(
                // A missing asset is a 404 (not the index page), and not cached (see
                // `cache_forever_when_found`): with several instances being deployed one after
                // the other, it may exist a moment later (wasm chunks are fetched long after
                // the page).
                Files::new("", dir.join("assets"))
                    .default_handler(web::to(|| async { HttpResponse::NotFound().finish() })),
            ),
    );
    cfg.default_service(SpaIndex(dir.to_path_buf()));
}

/// Whether the request's `Accept-Encoding` names `br` (not refused with `q=0`).
fn accepts_brotli(head: &actix_web::dev::RequestHead) -> bool {
    head.headers
        .get(actix_web::http::header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accepted| {
            accepted.split(',').any(|coding| {
                let mut parts = coding.split(';').map(str::trim);
                parts.next() == Some("br") && !parts.any(|p| p.replace(' ', "") == "q=0")
            })
        })
}

/// Where `assets/NAME.br` would be for the path `/assets/NAME`. Names are single path
/// segments without dots' tricks: anything else is left to `Files`.
fn brotli_path(assets: &Path, path: &str) -> Option<PathBuf> {
    let name = path.strip_prefix("/assets/")?;
    if name.is_empty() || name.contains('/') || name.contains("..") || name.ends_with(".br") {
        return None;
    }
    Some(assets.join(format!("{name}.br")))
}

/// Sends `NAME.br` as `NAME`, brotli-encoded, with `NAME`'s content type (the route's guard
/// found the file).
fn serve_brotli(assets: &Path, req: &HttpRequest) -> HttpResponse {
    let Some(file) = brotli_path(assets, req.path()) else {
        return HttpResponse::NotFound().finish();
    };
    let mime = actix_files::file_extension_to_mime(
        Path::new(req.path())
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default(),
    );
    match NamedFile::open(&file) {
        Ok(named) => {
            let mut response = named
                .set_content_type(mime)
                .set_content_encoding(actix_web::http::header::ContentEncoding::Brotli)
                .disable_content_disposition()
                .into_response(req);
            response.headers_mut().insert(
                actix_web::http::header::VARY,
                HeaderValue::from_static("accept-encoding"),
            );
            response
        }
        Err(e) => {
            tracing::error!(path = %file.display(), error = %e, "cannot open a brotli asset");
            HttpResponse::NotFound().finish()
        }
    }
}

/// Marks a found asset cacheable for a year. Errors (a directory, a refused path, a wrong
/// method) are not: a cached error would outlive the problem.
async fn cache_forever_when_found(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let status = response.status();
    if status.is_success() || status == actix_web::http::StatusCode::NOT_MODIFIED {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    } else if !response.headers().contains_key(CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

async fn spa_missing() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain; charset=utf-8")
        .body("The web app is not built. Run `cargo xtask build-web`, then restart.\n")
}

/// What a path outside `/assets` and the API is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// One of the SPA's routes (keep in step with `web/src/lib.rs`), with the file of `dist/`
    /// that serves it in Malay (see `xtask/src/web.rs` and [`in_language`]): the page's own
    /// first paint and hints for its route's code.
    Route(&'static str),
    /// Looks like a page but is none: 404, with the SPA to say so.
    Unknown,
    /// Names a file (its last segment has an extension): 404, empty.
    File,
}

impl Page {
    /// The file of `dist/` a page-like path is answered with.
    fn file(self) -> &'static str {
        match self {
            Page::Route(file) => file,
            Page::Unknown | Page::File => "pages/not-found.html",
        }
    }
}

/// Which kind of path `path` is (`query`, the address's query string, picks between the first
/// paints of one route).
pub fn page(path: &str, query: &str) -> Page {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let last = segments.last().copied().unwrap_or_default();
    if last.contains('.') {
        return Page::File;
    }
    Page::Route(match segments.as_slice() {
        [""] => HOME,
        // A fresh journey opens at its first step, whose form is the first paint; a journey
        // resumed at a later step (a reload, a restored tab, an offer's link) gets the neutral one.
        ["apply"] if resumes_journey(query) => "pages/apply-resume.html",
        ["apply"] => "pages/apply.html",
        ["manage"] => "pages/manage.html",
        ["staff"] | ["staff", "config" | "reports" | "blocks" | "audit"] => "pages/staff.html",
        ["appointment", reference] if !reference.is_empty() => "pages/slip.html",
        ["display", branch] if !branch.is_empty() => "pages/display.html",
        _ => return Page::Unknown,
    })
}

/// The journey's steps after the first, as the app names them (`web/src/pages/apply/journey.rs`).
const LATER_STEPS: [&str; 5] = ["code", "service", "slot", "details", "review"];

/// Whether `/apply?{query}` resumes a journey (`step=` other than the first, or `offer=`).
fn resumes_journey(query: &str) -> bool {
    query.split('&').any(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == "step" && LATER_STEPS.contains(&value)) || key == "offer"
    })
}

/// The home page's file (in Malay; see `crate::home` for both languages).
const HOME: &str = "index.html";

/// The home page's template with the services' documents and fees in `lang` (see
/// `crate::home`).
async fn home_page(req: &HttpRequest, template: &str, lang: Lang) -> String {
    let services = match req.app_data::<web::Data<AppState>>() {
        Some(state) => with_conn(state, |conn, _| catalog::list_services(conn))
            .await
            .inspect_err(|e: &ApiError| {
                tracing::error!(error = %e, "the home page's services could not be read");
            })
            .ok(),
        None => None,
    };
    home::render(template, lang, services.as_deref())
}

/// The page `file` of `dist/` in `lang` (a build without it: the Malay one).
fn read_page(dist: &Path, file: &str, lang: Lang) -> Option<String> {
    let localised = dist.join(in_language(file, lang));
    let path = if localised.is_file() {
        localised
    } else {
        dist.join(file)
    };
    std::fs::read_to_string(&path)
        .inspect_err(|e| tracing::error!(path = %path.display(), error = %e, "cannot read a page"))
        .ok()
}

/// `page` with its language link (`href="?lang=OTHER"`, written by the build) pointing at the
/// same address and query in the other language.
fn with_language_link(page: &str, lang: Lang, query: &str) -> String {
    let other = lang.other();
    let built = format!("href=\"?lang={}\"", other.code());
    let mut kept = temujanji_shared::lang::query_without_lang(query);
    let switch = format!("lang={}", other.code());
    kept.push(&switch);
    page.replacen(
        &built,
        &format!("href=\"?{}\"", crate::html::escape(&kept.join("&"))),
        1,
    )
}

/// The visitor's language: `?lang=` (and that it is to be remembered), else the cookie's,
/// else Bahasa Melayu. Every page is written in both (see `xtask/src/web.rs`), so that the
/// first paint is already in the language the app will show.
fn language(req: &HttpRequest) -> (Lang, bool) {
    let remembered = req
        .headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .find_map(Lang::remembered_in);
    choose_language(req.query_string(), remembered)
}

fn choose_language(query: &str, remembered: Option<Lang>) -> (Lang, bool) {
    match Lang::asked_in(query) {
        Some(lang) => (lang, true),
        None => (remembered.unwrap_or_default(), false),
    }
}

/// Remembers `lang` for a year, on every page.
fn remember_language(response: &mut HttpResponse, lang: Lang) {
    if let Ok(value) = HeaderValue::from_str(&lang.cookie()) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// The file of `dist/` with the Malay page `file` in `lang` (English: `pages/en/NAME`).
pub fn in_language(file: &str, lang: Lang) -> String {
    match lang {
        Lang::Ms => file.to_owned(),
        Lang::En => format!("pages/en/{}", file.rsplit('/').next().unwrap_or(file)),
    }
}

/// Answers a page path with the SPA's page (404 for a path that is no page).
#[derive(Clone)]
struct SpaIndex(PathBuf);

impl actix_web::dev::ServiceFactory<ServiceRequest> for SpaIndex {
    type Response = ServiceResponse;
    type Error = actix_web::Error;
    type Config = ();
    type Service = SpaIndex;
    type InitError = ();
    type Future = std::future::Ready<Result<SpaIndex, ()>>;

    fn new_service(&self, _: ()) -> Self::Future {
        std::future::ready(Ok(self.clone()))
    }
}

impl actix_web::dev::Service<ServiceRequest> for SpaIndex {
    type Response = ServiceResponse;
    type Error = actix_web::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ServiceResponse, actix_web::Error>>>,
    >;

    actix_web::dev::always_ready!();

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let dist = self.0.clone();
        Box::pin(async move {
            let (req, _) = req.into_parts();
            // Pages are read, never written: anything else is for the API.
            if req.method() != Method::GET && req.method() != Method::HEAD {
                let response = HttpResponse::MethodNotAllowed()
                    .insert_header((ALLOW, "GET, HEAD"))
                    .finish();
                return Ok(ServiceResponse::new(req, response));
            }
            let kind = page(req.path(), req.query_string());
            if kind == Page::File {
                let response = HttpResponse::NotFound()
                    .insert_header((CACHE_CONTROL, "no-store"))
                    .finish();
                return Ok(ServiceResponse::new(req, response));
            }
            let (lang, remember) = language(&req);
            let Some(template) = read_page(&dist, kind.file(), lang) else {
                let response = HttpResponse::ServiceUnavailable().finish();
                return Ok(ServiceResponse::new(req, response));
            };
            let body = if kind == Page::Route(HOME) {
                home_page(&req, &template, lang).await
            } else {
                template
            };
            // The first paint's language link keeps the page's own query (`?offer=`, `?step=`).
            let body = with_language_link(&body, lang, req.query_string());
            let mut response = if kind == Page::Unknown {
                HttpResponse::NotFound()
            } else {
                HttpResponse::Ok()
            };
            response
                .content_type("text/html; charset=utf-8")
                .insert_header((CACHE_CONTROL, "no-cache"))
                .insert_header((VARY, "cookie"));
            let mut response = response.body(body);
            if remember {
                remember_language(&mut response, lang);
            }
            Ok(ServiceResponse::new(req, response))
        })
    }
}

#[cfg(test)]
mod tests {
    use temujanji_shared::Lang;

    use super::{Page, choose_language, in_language, page, with_language_link};

    #[test]
    fn the_language_link_keeps_the_query() {
        let page = r#"<a class="lang-switch" href="?lang=en" lang="en">English</a>"#;
        assert!(
            with_language_link(page, Lang::Ms, "offer=12&lang=ms&step=slot")
                .contains(r#"href="?offer=12&amp;step=slot&amp;lang=en""#)
        );
        assert!(with_language_link(page, Lang::Ms, "").contains(r#"href="?lang=en""#));
        assert!(
            with_language_link(page, Lang::Ms, "x=%22%3E")
                .contains(r#"href="?x=%22%3E&amp;lang=en""#)
        );
    }

    #[test]
    fn the_language_asked_for_wins_and_is_remembered() {
        for (query, cookies, chosen) in [
            ("lang=en", "temujanji-lang=ms", (Lang::En, true)),
            ("x=1&lang=ms", "temujanji-lang=en", (Lang::Ms, true)),
            ("", "temujanji-lang=en", (Lang::En, false)),
            ("lang=fr", "temujanji-lang=en", (Lang::En, false)),
            ("", "temujanji-lang=xx", (Lang::Ms, false)),
        ] {
            let remembered = Lang::remembered_in(cookies);
            assert_eq!(
                choose_language(query, remembered),
                chosen,
                "{query} {cookies}"
            );
        }
        assert_eq!(choose_language("", None), (Lang::Ms, false));
    }

    #[test]
    fn the_language_cookie_is_found_among_others() {
        assert_eq!(
            Lang::remembered_in("a=1; temujanji-lang=en; b=2"),
            Some(Lang::En)
        );
        assert_eq!(Lang::remembered_in("temujanji-lang=ms"), Some(Lang::Ms));
        assert_eq!(Lang::remembered_in("xtemujanji-lang=en"), None);
        assert_eq!(Lang::remembered_in(""), None);
    }

    #[test]
    fn english_pages_are_under_pages_en() {
        assert_eq!(in_language("index.html", Lang::En), "pages/en/index.html");
        assert_eq!(
            in_language("pages/apply.html", Lang::En),
            "pages/en/apply.html"
        );
        assert_eq!(
            in_language("pages/apply.html", Lang::Ms),
            "pages/apply.html"
        );
    }

    #[test]
    fn the_spas_routes_are_pages_and_the_rest_not_found() {
        for (path, file) in [
            ("/", "index.html"),
            ("/apply", "pages/apply.html"),
            ("/apply?step=email", "pages/apply.html"),
            ("/apply?lang=en", "pages/apply.html"),
            ("/apply?step=slot", "pages/apply-resume.html"),
            ("/apply?lang=en&step=review", "pages/apply-resume.html"),
            ("/apply?offer=12", "pages/apply-resume.html"),
            ("/apply?step=bogus", "pages/apply.html"),
            ("/manage", "pages/manage.html"),
            ("/appointment/ABCDE-FGHJK", "pages/slip.html"),
            ("/staff", "pages/staff.html"),
            ("/staff/audit", "pages/staff.html"),
            ("/display/SGR-SHA", "pages/display.html"),
        ] {
            let (path, query) = path.split_once('?').unwrap_or((path, ""));
            assert_eq!(page(path, query), Page::Route(file), "{path}?{query}");
        }
        for path in [
            "/nowhere",
            "/apply/extra",
            "/appointment/",
            "/staff/other",
            "/a/b/c",
        ] {
            assert_eq!(page(path, ""), Page::Unknown, "{path}");
        }
        for path in ["/favicon.ico", "/robots.txt", "/apply/x.php", "/.env"] {
            assert_eq!(page(path, ""), Page::File, "{path}");
        }
    }
}
