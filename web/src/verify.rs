//! Proving an e-mail address: the code form with its resend cool-down, used by both the apply
//! and the manage journeys.

use leptos::prelude::*;
use temujanji_shared::Lang;
use temujanji_shared::email::EmailAddress;
use temujanji_shared::otp::OneTimeCode;
use temujanji_shared::problem::ProblemType;

use crate::api::{self, Failure};
use crate::fields::{Alert, ErrorSummary, OneField, Status, TextField};
use crate::i18n::{Text, code_sent_to, resend_in, tr, use_lang};
use crate::session::Session;

/// Asks the server to send a code to `email`, answering in `lang`; `Ok` carries when a new one
/// may be asked for (milliseconds since the epoch).
pub async fn send_code(lang: Lang, email: String) -> Result<f64, Failure> {
    api::request_code(lang, &email)
        .await
        .map(|wait| js_sys::Date::now() + wait as f64 * 1000.0)
}

/// The code form for `email`. On success the session is stored and `on_verified` runs.
#[component]
pub fn CodeForm(
    email: String,
    /// When another code may be asked for (ms since the epoch).
    resend_at: RwSignal<f64>,
    on_verified: Callback<Session>,
    on_change_email: Callback<()>,
    /// Take focus when shown (where no new page heading does, as in Manage).
    #[prop(optional)]
    focus: bool,
) -> impl IntoView {
    let lang = use_lang();
    let code = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let notice = RwSignal::new(None::<Text>);
    let now = RwSignal::new(js_sys::Date::now());
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(js_sys::Date::now()),
        std::time::Duration::from_millis(500),
    ) {
        on_cleanup(move || handle.clear());
    }
    let wait = move || ((resend_at.get() - now.get()) / 1000.0).ceil().max(0.0) as i64;

    let parsed = Memo::new(move |_| OneTimeCode::parse(&code.get()).map(|c| c.as_str().to_owned()));
    let OneField {
        touched,
        submitted,
        error,
        problems,
    } = OneField::new("code", parsed);
    // A code the server refused is this field's error (marked invalid, and focused for
    // another try), until it is changed.
    let refused = RwSignal::new(None::<Failure>);
    let input = NodeRef::<leptos::html::Input>::new();
    let focus_input = move || {
        request_animation_frame(move || {
            if let Some(el) = input.get_untracked() {
                let _ = el.focus();
            }
        })
    };
    if focus {
        focus_input();
    }
    Effect::new(move |previous: Option<String>| {
        let typed = code.get();
        if previous.is_some_and(|p| p != typed) {
            refused.set(None);
        }
        typed
    });
    let field_error = Signal::derive(move || {
        refused
            .get()
            .map(|f| f.message(lang.get()))
            .or_else(|| error.get())
    });

    let verify = {
        let email = email.clone();
        Action::new_local(move |code: &String| {
            let (email, code) = (email.clone(), code.clone());
            let lang = lang.get_untracked();
            async move {
                api::verify_code(lang, &email, &code)
                    .await
                    .map(|token| Session::start(&email, &token))
            }
        })
    };
    Effect::new(move |_| match verify.value().get() {
        Some(Ok(session)) => on_verified.run(session),
        Some(Err(f))
            if matches!(
                f.kind(),
                Some(
                    ProblemType::InvalidCode
                        | ProblemType::CodeExpired
                        | ProblemType::TooManyAttempts
                )
            ) =>
        {
            refused.set(Some(f));
            focus_input();
        }
        Some(Err(f)) => failure.set(Some(f)),
        None => {}
    });
    let resend = {
        let email = email.clone();
        Action::new_local(move |_: &()| send_code(lang.get_untracked(), email.clone()))
    };
    Effect::new(move |_| match resend.value().get() {
        Some(Ok(at)) => {
            resend_at.set(at);
            failure.set(None);
            notice.set(Some(Text::CodeResent));
        }
        Some(Err(f)) => failure.set(Some(f)),
        None => {}
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.update(|n| *n += 1);
        failure.set(None);
        refused.set(None);
        if let Ok(code) = parsed.get_untracked() {
            verify.dispatch(code);
        }
    };
    let status = Signal::derive(move || {
        if verify.pending().get() {
            Some(Text::Verifying.get(lang.get()).to_owned())
        } else if resend.pending().get() {
            Some(Text::Sending.get(lang.get()).to_owned())
        } else {
            notice.get().map(|t| t.get(lang.get()).to_owned())
        }
    });

    view! {
        <form novalidate on:submit=on_submit>
            <ErrorSummary problems attempt=submitted />
            <p>{move || code_sent_to(lang.get(), &email)}</p>
            <TextField
                path="code"
                label=Text::CodeLabel
                value=code
                error=field_error
                node_ref=input
                on_blur=Callback::new(move |_| touched.set(true))
                autocomplete="one-time-code"
                inputmode="numeric"
            />
            <Alert failure />
            <Status text=status />
            <div class="button-row">
                <button type="submit" class="button" disabled=move || verify.pending().get()>
                    {tr(Text::Verify)}
                </button>
                <button
                    type="button"
                    class="button secondary"
                    id="resend-code"
                    disabled=move || { wait() > 0 || resend.pending().get() }
                    on:click=move |_| {
                        resend.dispatch(());
                    }
                >
                    {tr(Text::ResendCode)}
                </button>
                <button
                    type="button"
                    class="button link"
                    on:click=move |_| on_change_email.run(())
                >
                    {tr(Text::WrongEmail)}
                </button>
            </div>
            <p class="hint">
                {move || (wait() > 0).then(|| resend_in(lang.get(), wait()))}
            </p>
        </form>
    }
}

/// The e-mail address field (`#email`) of Apply and Manage, with its example and typo hint.
#[component]
pub fn EmailField(
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    on_blur: Callback<()>,
) -> impl IntoView {
    view! {
        <TextField
            path="email"
            label=Text::EmailLabel
            hint=Text::EmailHint
            value
            error
            on_blur
            input_type="email"
            autocomplete="email"
            inputmode="email"
        />
        <EmailSuggestion email=value />
    }
}

/// "Did you mean siti@gmail.com?" under an e-mail field whose domain is a slip from a common
/// provider; choosing it puts it in the field. The address typed stays usable.
#[component]
fn EmailSuggestion(email: RwSignal<String>) -> impl IntoView {
    let suggestion = Memo::new(move |_| {
        EmailAddress::parse(&email.get())
            .ok()
            .and_then(|e| e.suggestion())
    });
    view! {
        <div aria-live="polite">
            {move || {
                suggestion
                    .get()
                    .map(|better| {
                        let chosen = better.clone();
                        view! {
                            <p class="hint suggestion" id="email-suggestion">
                                {tr(Text::DidYouMean)}
                                " "
                                <button
                                    type="button"
                                    class="button link"
                                    id="use-suggestion"
                                    on:click=move |_| email.set(chosen.clone())
                                >
                                    {better}
                                </button>
                                "?"
                            </p>
                        }
                    })
            }}
        </div>
    }
}
