//! Calls to the Temujanji API (same origin), decoded into the `shared` wire types. Problems
//! come back in the interface language (`Accept-Language`).

use crate::i18n::Text;
use chrono::NaiveDate;
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use temujanji_shared::Lang;
use temujanji_shared::altcha::Challenge;
use temujanji_shared::form::BookingForm;
use temujanji_shared::problem::ProblemType;
use temujanji_shared::wire::{
    Appointment, Availability, Branch, EmailCodeRequest, EmailCodeSent, Problem, RescheduleForm,
    Service, Token, VerifyEmailCode, WaitlistEntry, WaitlistForm,
};

/// Why a call (or a step) did not give the expected answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The server answered with an RFC 9457 problem.
    Problem(Problem),
    /// The server could not be reached, or answered something unreadable.
    Network,
    /// A reason the app states itself.
    Local(Text),
}

impl Failure {
    /// The stable problem type (`slot_full`, `validation_failed`, …), if any.
    pub fn kind(&self) -> Option<ProblemType> {
        match self {
            Failure::Problem(p) => Some(p.kind),
            Failure::Network | Failure::Local(_) => None,
        }
    }

    /// A sentence for the user, in `lang`. Kept as the failure itself and rendered when shown,
    /// so that switching language translates it; problems whose text carries details from the
    /// server (seconds to wait, a block's reason) keep the server's words, in the language of
    /// the request.
    pub fn message(&self, lang: Lang) -> String {
        let local = match self {
            Failure::Local(text) => Some(*text),
            Failure::Network => Some(Text::NetworkError),
            Failure::Problem(p) => match p.kind {
                ProblemType::Unauthorized => Some(Text::SignInAgain),
                ProblemType::NotFound => Some(Text::NotFound),
                ProblemType::SlotFull | ProblemType::NoSuchSlot => Some(Text::RescheduleTaken),
                ProblemType::DuplicateActiveAppointment => Some(Text::DuplicateActive),
                ProblemType::CodeExpired => Some(Text::CodeExpired),
                ProblemType::TooManyAttempts => Some(Text::TooManyAttempts),
                _ => None,
            },
        };
        match (local, self) {
            (Some(text), _) => text.get(lang).to_owned(),
            (None, Failure::Problem(p)) => p.detail.clone().unwrap_or_else(|| p.title.clone()),
            (None, _) => Text::NetworkError.get(lang).to_owned(),
        }
    }
}

pub type Answer<T> = Result<T, Failure>;

fn with_lang(builder: RequestBuilder, lang: Lang) -> RequestBuilder {
    builder.header("Accept-Language", lang.code())
}

fn bearer(builder: RequestBuilder, token: &str) -> RequestBuilder {
    builder.header("Authorization", &format!("Bearer {token}"))
}

async fn decode<T: DeserializeOwned>(response: Response) -> Answer<T> {
    if response.ok() {
        return response.json().await.map_err(|_| Failure::Network);
    }
    Err(problem(response).await)
}

/// The failure a refused answer carries: its problem, or `Network` when it has none.
pub async fn problem(response: Response) -> Failure {
    match response.json::<Problem>().await {
        Ok(problem) => Failure::Problem(problem),
        Err(_) => Failure::Network,
    }
}

async fn send<T: DeserializeOwned>(request: Result<Request, gloo_net::Error>) -> Answer<T> {
    let request = request.map_err(|_| Failure::Network)?;
    let response = request.send().await.map_err(|_| Failure::Network)?;
    decode(response).await
}

async fn get<T: DeserializeOwned>(builder: RequestBuilder) -> Answer<T> {
    send(builder.build()).await
}

async fn post<B: Serialize, T: DeserializeOwned>(builder: RequestBuilder, body: &B) -> Answer<T> {
    send(builder.json(body)).await
}

pub async fn branches(lang: Lang) -> Answer<Vec<Branch>> {
    get(with_lang(Request::get("/api/v1/branches"), lang)).await
}

pub async fn services(lang: Lang) -> Answer<Vec<Service>> {
    get(with_lang(Request::get("/api/v1/services"), lang)).await
}

pub async fn availability(
    lang: Lang,
    branch: &str,
    service: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Answer<Availability> {
    let url = format!("/api/v1/branches/{branch}/availability");
    let from = from.to_string();
    let to = to.to_string();
    let builder = Request::get(&url).query([("service", service), ("from", &from), ("to", &to)]);
    get(with_lang(builder, lang)).await
}

/// The longest cool-down between two codes; a longer wait is the hourly cap, not a cool-down.
const RESEND_COOLDOWN_MAX: i64 = 60;

/// Asks for a code for `email`, after solving the server's proof-of-work challenge; `Ok`
/// carries the seconds before another may be asked for. A code sent moments ago (the resend
/// cool-down) counts as sent: it is still valid, so the applicant can use it rather than wait.
pub async fn request_code(lang: Lang, email: &str) -> Answer<i64> {
    // A challenge can expire while a slow phone solves it: one more try with a fresh one.
    let mut tries = 0;
    loop {
        tries += 1;
        let response = send_code_request(lang, email).await?;
        // The resend cool-down (a code was sent moments ago) is a 429 without `RateLimit-*`
        // headers; with them it is a rate limit of this network, and no code was sent.
        let rate_limited = response.headers().get("ratelimit-limit").is_some();
        if response.status() == 429 && !rate_limited {
            let wait = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.trim().parse::<i64>().ok());
            if let Some(wait) = wait.filter(|w| *w <= RESEND_COOLDOWN_MAX) {
                return Ok(wait);
            }
        }
        match decode::<EmailCodeSent>(response).await {
            Err(failure) if failure.kind() == Some(ProblemType::ProofOfWorkFailed) && tries < 2 => {
                continue;
            }
            answer => return answer.map(|sent| sent.resend_after),
        }
    }
}

/// A freshly solved proof-of-work challenge, as the `altcha` field.
async fn solved_challenge() -> Answer<String> {
    let challenge: Challenge = get(Request::get("/api/v1/auth/challenge")).await?;
    crate::proof_of_work::solve(&challenge)
        .await
        .ok_or(Failure::Network)
}

async fn send_code_request(lang: Lang, email: &str) -> Answer<Response> {
    let altcha = solved_challenge().await?;
    let body = EmailCodeRequest {
        email: email.to_owned(),
        altcha,
    };
    let request = with_lang(Request::post("/api/v1/auth/email-codes"), lang)
        .json(&body)
        .map_err(|_| Failure::Network)?;
    request.send().await.map_err(|_| Failure::Network)
}

pub async fn verify_code(lang: Lang, email: &str, code: &str) -> Answer<Token> {
    let body = VerifyEmailCode {
        email: email.to_owned(),
        code: code.to_owned(),
    };
    let builder = Request::post("/api/v1/auth/email-codes/verify");
    post(with_lang(builder, lang), &body).await
}

/// Books; `key` makes a retry of the same submission safe (`Idempotency-Key`).
/// Books; while the service is in `rush` mode, with a solved proof-of-work challenge. A
/// refused or expired solution (or a rush that began after the catalogue was loaded) gets one
/// more try with a fresh one, under the same `Idempotency-Key`.
pub async fn book(
    lang: Lang,
    token: &str,
    key: &str,
    form: &BookingForm,
    rush: bool,
) -> Answer<Appointment> {
    let mut solve = rush;
    let mut tries = 0;
    loop {
        tries += 1;
        let mut form = form.clone();
        if solve {
            form.altcha = Some(solved_challenge().await?);
        }
        let builder =
            bearer(Request::post("/api/v1/appointments"), token).header("Idempotency-Key", key);
        match post(with_lang(builder, lang), &form).await {
            Err(failure) if failure.kind() == Some(ProblemType::ProofOfWorkFailed) && tries < 2 => {
                solve = true;
            }
            answer => return answer,
        }
    }
}

/// Books the seat held for waitlist place `id` (no proof of work: it is not raced for).
pub async fn book_offer(
    lang: Lang,
    token: &str,
    key: &str,
    id: i64,
    form: &BookingForm,
) -> Answer<Appointment> {
    let url = format!("/api/v1/waitlist/{id}/appointment");
    let builder = bearer(Request::post(&url), token).header("Idempotency-Key", key);
    post(with_lang(builder, lang), form).await
}

/// Joins the waitlist of a full day (or returns the place already held).
pub async fn join_waitlist(
    lang: Lang,
    token: &str,
    service: &str,
    branch: &str,
    date: NaiveDate,
) -> Answer<WaitlistEntry> {
    let body = WaitlistForm {
        service: Some(service.to_owned()),
        branch: Some(branch.to_owned()),
        date: Some(date.to_string()),
    };
    post(
        with_lang(bearer(Request::post("/api/v1/waitlist"), token), lang),
        &body,
    )
    .await
}

/// The days the signed-in e-mail waits for.
pub async fn waitlist(lang: Lang, token: &str) -> Answer<Vec<WaitlistEntry>> {
    get(with_lang(
        bearer(Request::get("/api/v1/waitlist"), token),
        lang,
    ))
    .await
}

/// Leaves a waitlist.
pub async fn leave_waitlist(lang: Lang, token: &str, id: i64) -> Answer<()> {
    let url = format!("/api/v1/waitlist/{id}");
    let response = with_lang(bearer(Request::delete(&url), token), lang)
        .send()
        .await
        .map_err(|_| Failure::Network)?;
    if response.ok() {
        Ok(())
    } else {
        Err(problem(response).await)
    }
}

pub async fn appointment(lang: Lang, token: &str, reference: &str) -> Answer<Appointment> {
    let url = format!("/api/v1/appointments/{reference}");
    get(with_lang(bearer(Request::get(&url), token), lang)).await
}

pub async fn cancel(lang: Lang, token: &str, reference: &str) -> Answer<Appointment> {
    let url = format!("/api/v1/appointments/{reference}/cancel");
    let builder = with_lang(bearer(Request::post(&url), token), lang);
    send(builder.build()).await
}

pub async fn reschedule(
    lang: Lang,
    token: &str,
    reference: &str,
    date: NaiveDate,
    start: &str,
) -> Answer<Appointment> {
    let url = format!("/api/v1/appointments/{reference}/reschedule");
    let mut body = RescheduleForm {
        date: Some(date.to_string()),
        start: Some(start.to_owned()),
        altcha: None,
    };
    // The page does not know whether the service is in rush mode: asked for a proof of work,
    // it solves one and tries once more.
    loop {
        match post(with_lang(bearer(Request::post(&url), token), lang), &body).await {
            Err(failure)
                if failure.kind() == Some(ProblemType::ProofOfWorkFailed)
                    && body.altcha.is_none() =>
            {
                body.altcha = Some(solved_challenge().await?);
            }
            answer => return answer,
        }
    }
}

/// Fetches the PDF slip with the token and hands it to the browser as a download.
pub async fn download_slip(lang: Lang, token: &str, reference: &str) -> Answer<()> {
    let url = format!("/api/v1/appointments/{reference}/slip.pdf");
    let response = with_lang(bearer(Request::get(&url), token), lang)
        .send()
        .await
        .map_err(|_| Failure::Network)?;
    if !response.ok() {
        return decode::<()>(response).await;
    }
    let bytes = response.binary().await.map_err(|_| Failure::Network)?;
    save_download(
        &bytes,
        "application/pdf",
        &format!("temujanji-{reference}.pdf"),
    )
}

/// Hands `bytes` to the browser as a download named `name`.
pub fn save_download(bytes: &[u8], mime: &str, name: &str) -> Answer<()> {
    use wasm_bindgen::JsCast;
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| Failure::Network)?;
    let object_url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| Failure::Network)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(Failure::Network)?;
    let anchor = document
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        .ok_or(Failure::Network)?;
    anchor.set_href(&object_url);
    anchor.set_download(name);
    anchor.click();
    // Released a little later: revoking at once can cut the download short.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&object_url);
        },
        std::time::Duration::from_secs(30),
    );
    Ok(())
}
