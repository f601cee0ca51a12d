//! Step 1: the e-mail address (step 2, its code, is `crate::verify::CodeForm`).

use leptos::prelude::*;
use temujanji_shared::email::EmailAddress;

use super::journey::{Journey, Step};
use super::texts::ApplyText;
use crate::api::Failure;
use crate::fields::{Alert, ErrorSummary, OneField, Status};
use crate::i18n::{Text, tr, use_lang};
use crate::session::Session;
use crate::verify::{EmailField, send_code};

#[component]
pub(super) fn EmailStep() -> impl IntoView {
    let lang = use_lang();
    let journey = Journey::use_context();
    let Journey {
        email,
        resend_at,
        session,
        ..
    } = journey;
    let failure = RwSignal::new(None::<Failure>);
    let parsed =
        Memo::new(move |_| EmailAddress::parse(&email.get()).map(|e| e.as_str().to_owned()));
    let OneField {
        touched,
        submitted,
        error,
        problems,
    } = OneField::new("email", parsed);
    let request =
        Action::new_local(move |address: &String| send_code(lang.get_untracked(), address.clone()));
    Effect::new(move |_| match request.value().get() {
        Some(Ok(at)) => {
            resend_at.set(at);
            journey.go(Step::Code);
        }
        Some(Err(f)) => failure.set(Some(f)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.update(|n| *n += 1);
        failure.set(None);
        let Ok(address) = parsed.get_untracked() else {
            return;
        };
        email.set(address.clone());
        if let Some(existing) = Session::for_email(&address) {
            // Already verified in this tab: no need for another code.
            session.set(Some(existing));
            journey.go(Step::Service);
            return;
        }
        request.dispatch(address);
    };
    // The applicant was typing into the page's first paint as the app took over: the field
    // keeps the focus (and the text, see `Journey::new`).
    Effect::new(move |_| crate::first_paint::restore_focus());
    let status = Signal::derive(move || {
        request
            .pending()
            .get()
            .then(|| Text::Sending.get(lang.get()).to_owned())
    });
    view! {
        <form novalidate on:submit=on_submit>
            <ErrorSummary problems attempt=submitted />
            <p>{tr(ApplyText::EmailIntro)}</p>
            <EmailField
                value=email
                error
                on_blur=Callback::new(move |_| touched.set(true))
            />
            <Alert failure />
            <Status text=status />
            <button type="submit" class="button" disabled=move || request.pending().get()>
                {tr(ApplyText::SendCode)}
            </button>
        </form>
    }
}
