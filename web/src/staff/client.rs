//! Typed calls to the staff API. Every call carries the access token, refreshed first when it
//! is about to expire and once more after a 401; when the session cannot be renewed it is
//! forgotten and the call fails as `unauthorized`, which sends the page back to sign-in.

use gloo_net::http::{Method, Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use temujanji_shared::Lang;
use temujanji_shared::problem::ProblemType;
use temujanji_shared::staff::{
    Block, BlockForm, BranchConfig, CallNextForm, CheckInForm, ConfigChange, ConfigOutcome,
    DayBoard, HallDisplay, LiftForm, LoginForm, Queue, RefreshForm, Report, ServeForm,
    StaffAppointment, StaffCancelForm, StaffMe, StaffSession as Issued,
};
use temujanji_shared::wire::Problem;

use super::session::StaffSession;
use crate::api::{Answer, Failure, problem};

fn unauthorized() -> Failure {
    Failure::Problem(Problem {
        kind: ProblemType::Unauthorized,
        title: String::new(),
        status: 401,
        detail: None,
        errors: Vec::new(),
    })
}

/// Signs in and learns who signed in.
pub async fn login(lang: Lang, username: &str, password: &str) -> Answer<StaffSession> {
    let body = LoginForm {
        username: username.to_owned(),
        password: password.to_owned(),
    };
    let request = Request::post("/api/v1/staff/session")
        .header("Accept-Language", lang.code())
        .json(&body)
        .map_err(|_| Failure::Network)?;
    let response = request.send().await.map_err(|_| Failure::Network)?;
    if !response.ok() {
        return Err(problem(response).await);
    }
    let issued: Issued = response.json().await.map_err(|_| Failure::Network)?;
    let mut session = StaffSession::store(&issued, None);
    session.me = Some(get::<StaffMe>(lang, "/api/v1/staff/me").await?);
    session.save();
    Ok(session)
}

/// Exchanges the refresh token for a new pair; forgets the session when it cannot.
async fn refresh(session: &StaffSession) -> Answer<StaffSession> {
    let body = RefreshForm {
        refresh_token: session.refresh.clone(),
    };
    let request = Request::post("/api/v1/staff/session/refresh")
        .json(&body)
        .map_err(|_| Failure::Network)?;
    let response = request.send().await.map_err(|_| Failure::Network)?;
    if !response.ok() {
        StaffSession::end();
        return Err(unauthorized());
    }
    let issued: Issued = response.json().await.map_err(|_| Failure::Network)?;
    Ok(StaffSession::store(&issued, session.me.clone()))
}

/// Sends with the access token; `None` for a `204 No Content`.
async fn call(
    lang: Lang,
    method: Method,
    url: &str,
    body: Option<serde_json::Value>,
    accept: Option<&str>,
) -> Answer<Option<Response>> {
    let mut session = StaffSession::current().ok_or_else(unauthorized)?;
    if session.stale() {
        session = refresh(&session).await?;
    }
    for attempt in 0..2 {
        let mut builder = RequestBuilder::new(url)
            .method(method.clone())
            .header("Accept-Language", lang.code())
            .header("Authorization", &format!("Bearer {}", session.access));
        if let Some(accept) = accept {
            builder = builder.header("Accept", accept);
        }
        let request = match &body {
            Some(body) => builder.json(body),
            None => builder.build(),
        }
        .map_err(|_| Failure::Network)?;
        let response = request.send().await.map_err(|_| Failure::Network)?;
        if response.status() == 401 && attempt == 0 {
            session = refresh(&session).await?;
            continue;
        }
        if response.status() == 401 {
            StaffSession::end();
            return Err(unauthorized());
        }
        if !response.ok() {
            return Err(problem(response).await);
        }
        return Ok((response.status() != 204).then_some(response));
    }
    Err(unauthorized())
}

async fn json<T: DeserializeOwned>(response: Option<Response>) -> Answer<Option<T>> {
    match response {
        None => Ok(None),
        Some(response) => response
            .json()
            .await
            .map(Some)
            .map_err(|_| Failure::Network),
    }
}

async fn get<T: DeserializeOwned>(lang: Lang, url: &str) -> Answer<T> {
    json(call(lang, Method::GET, url, None, None).await?)
        .await?
        .ok_or(Failure::Network)
}

async fn send<B: Serialize, T: DeserializeOwned>(
    lang: Lang,
    method: Method,
    url: &str,
    body: &B,
) -> Answer<Option<T>> {
    let body = serde_json::to_value(body).map_err(|_| Failure::Network)?;
    json(call(lang, method, url, Some(body), None).await?).await
}

async fn post<B: Serialize, T: DeserializeOwned>(lang: Lang, url: &str, body: &B) -> Answer<T> {
    send(lang, Method::POST, url, body)
        .await?
        .ok_or(Failure::Network)
}

pub async fn logout(lang: Lang) {
    let _ = call(lang, Method::DELETE, "/api/v1/staff/session", None, None).await;
    StaffSession::end();
}

pub async fn day(lang: Lang, branch: &str) -> Answer<DayBoard> {
    get(lang, &format!("/api/v1/staff/branches/{branch}/day")).await
}

pub async fn queue(lang: Lang, branch: &str) -> Answer<Queue> {
    get(lang, &format!("/api/v1/staff/branches/{branch}/queue")).await
}

pub async fn check_in(lang: Lang, typed: &str) -> Answer<StaffAppointment> {
    let typed = typed.trim();
    // A hand-held scanner types the QR text; anything else is a reference.
    let form = if typed.to_ascii_uppercase().starts_with("TMJ1:") {
        CheckInForm {
            qr: Some(typed.to_owned()),
            reference: None,
        }
    } else {
        CheckInForm {
            qr: None,
            reference: Some(typed.to_owned()),
        }
    };
    post(lang, "/api/v1/staff/check-ins", &form).await
}

pub async fn appointment(lang: Lang, reference: &str) -> Answer<StaffAppointment> {
    get(lang, &format!("/api/v1/staff/appointments/{reference}")).await
}

pub async fn serve(lang: Lang, reference: &str, form: &ServeForm) -> Answer<StaffAppointment> {
    post(
        lang,
        &format!("/api/v1/staff/appointments/{reference}/serve"),
        form,
    )
    .await
}

pub async fn cancel(lang: Lang, reference: &str, reason: &str) -> Answer<StaffAppointment> {
    let form = StaffCancelForm {
        reason: reason.to_owned(),
    };
    post(
        lang,
        &format!("/api/v1/staff/appointments/{reference}/cancel"),
        &form,
    )
    .await
}

pub async fn no_show(lang: Lang, reference: &str) -> Answer<StaffAppointment> {
    post(
        lang,
        &format!("/api/v1/staff/appointments/{reference}/no-show"),
        &serde_json::json!({}),
    )
    .await
}

pub async fn call_next(
    lang: Lang,
    branch: &str,
    counter: &str,
) -> Answer<Option<StaffAppointment>> {
    let form = CallNextForm {
        counter: counter.to_owned(),
    };
    send(
        lang,
        Method::POST,
        &format!("/api/v1/staff/branches/{branch}/queue/call-next"),
        &form,
    )
    .await
}

pub async fn config(lang: Lang, branch: &str) -> Answer<BranchConfig> {
    get(lang, &format!("/api/v1/staff/branches/{branch}/config")).await
}

pub async fn change_config(
    lang: Lang,
    branch: &str,
    change: &ConfigChange,
    dry_run: bool,
) -> Answer<ConfigOutcome> {
    send(
        lang,
        Method::PUT,
        &format!("/api/v1/staff/branches/{branch}/config?dry_run={dry_run}"),
        change,
    )
    .await?
    .ok_or(Failure::Network)
}

fn report_url(branch: Option<&str>, from: &str, to: &str) -> String {
    match branch {
        Some(branch) => format!("/api/v1/staff/reports?branch={branch}&from={from}&to={to}"),
        None => format!("/api/v1/staff/reports?from={from}&to={to}"),
    }
}

pub async fn report(lang: Lang, branch: Option<&str>, from: &str, to: &str) -> Answer<Report> {
    get(lang, &report_url(branch, from, to)).await
}

/// The report as CSV, handed to the browser as a download.
pub async fn download_report(lang: Lang, branch: Option<&str>, from: &str, to: &str) -> Answer<()> {
    let url = report_url(branch, from, to);
    let response = call(lang, Method::GET, &url, None, Some("text/csv"))
        .await?
        .ok_or(Failure::Network)?;
    let bytes = response.binary().await.map_err(|_| Failure::Network)?;
    let name = format!(
        "temujanji-report-{}-{from}-{to}.csv",
        branch.unwrap_or("all")
    );
    crate::api::save_download(&bytes, "text/csv", &name)
}

/// The hall display: public, no token.
pub async fn hall(branch: &str) -> Answer<HallDisplay> {
    let response = Request::get(&format!("/api/v1/display/{branch}"))
        .send()
        .await
        .map_err(|_| Failure::Network)?;
    if !response.ok() {
        return Err(problem(response).await);
    }
    response.json().await.map_err(|_| Failure::Network)
}

pub async fn blocks(lang: Lang, active_only: bool) -> Answer<Vec<Block>> {
    get(lang, &format!("/api/v1/staff/blocks?active={active_only}")).await
}

pub async fn create_block(lang: Lang, form: &BlockForm) -> Answer<Block> {
    post(lang, "/api/v1/staff/blocks", form).await
}

pub async fn lift_block(lang: Lang, id: i64, reason: &str) -> Answer<Block> {
    let form = LiftForm {
        reason: reason.to_owned(),
    };
    post(lang, &format!("/api/v1/staff/blocks/{id}/lift"), &form).await
}

/// One audit entry as the page lists it (the before/after states stay in the API's answer).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct AuditLine {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub branch: Option<String>,
}

/// Audit entries matching the filters (empty ones are left out), older than `before`.
pub async fn audit(
    lang: Lang,
    filters: &[(&str, String)],
    before: Option<i64>,
) -> Answer<Vec<AuditLine>> {
    let mut query: Vec<String> = filters
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", js_sys::encode_uri_component(v.trim())))
        .collect();
    if let Some(id) = before {
        query.push(format!("before={id}"));
    }
    query.push("limit=25".to_owned());
    get(lang, &format!("/api/v1/staff/audit?{}", query.join("&"))).await
}
