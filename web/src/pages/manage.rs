//! Manage: find an appointment by its reference and the e-mail it was booked with, proven by a
//! one-time code; then the slip page offers print, PDF, reschedule and cancel.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use temujanji_shared::email::EmailAddress;
use temujanji_shared::reference::Reference;

use crate::api::Failure;
use crate::fields::{Alert, ErrorSummary, Listed, Status, TextField};
use crate::first_paint;
use crate::i18n::{Text, tr, use_lang};
use crate::pages::PageHeading;
use crate::session::Session;
use crate::verify::{CodeForm, EmailField, send_code};

#[component]
pub fn ManagePage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let navigate = use_navigate();
    // What was typed into the page's first paint before the app took over comes first.
    let reference = RwSignal::new(
        first_paint::take_typed("reference")
            .or_else(|| query.read_untracked().get("reference"))
            .unwrap_or_default(),
    );
    // Sent here from a slip this tab may not open yet (`?why=sign-in`): say so, and show at
    // once what is wrong with a made-up reference.
    let from_slip = query.read_untracked().get("why").as_deref() == Some("sign-in");
    let email = RwSignal::new(
        first_paint::take_typed("email")
            .or_else(|| Session::current().map(|s| s.email))
            .unwrap_or_default(),
    );
    Effect::new(move |_| first_paint::restore_focus());
    let code_sent = RwSignal::new(false);
    let resend_at = RwSignal::new(0.0);
    let submitted = RwSignal::new(0u32);
    let touched = RwSignal::new(if from_slip && !reference.get_untracked().is_empty() {
        vec!["reference"]
    } else {
        Vec::new()
    });
    let failure = RwSignal::new(None::<Failure>);

    let parsed_reference =
        Memo::new(move |_| Reference::parse(&reference.get()).map(|r| r.to_string()));
    let parsed_email =
        Memo::new(move |_| EmailAddress::parse(&email.get()).map(|e| e.as_str().to_owned()));
    let shown = move |path: &'static str| (submitted.get() > 0) || touched.get().contains(&path);
    let reference_error = Signal::derive(move || {
        shown("reference")
            .then(|| parsed_reference.get().err().map(|e| e.message(lang.get())))
            .flatten()
    });
    let email_error = Signal::derive(move || {
        shown("email")
            .then(|| parsed_email.get().err().map(|e| e.message(lang.get())))
            .flatten()
    });
    let problems = Signal::derive(move || {
        if submitted.get() == 0 {
            return Vec::new();
        }
        [
            ("reference", reference_error.get()),
            ("email", email_error.get()),
        ]
        .into_iter()
        .filter_map(|(id, e)| {
            e.map(|message| Listed {
                id: id.to_owned(),
                message,
            })
        })
        .collect()
    });
    let touch = move |path: &'static str| Callback::new(move |_| touched.update(|t| t.push(path)));

    let open = {
        let navigate = navigate.clone();
        move |reference: &str| navigate(&format!("/appointment/{reference}"), Default::default())
    };
    let request =
        Action::new_local(move |address: &String| send_code(lang.get_untracked(), address.clone()));
    Effect::new(move |_| match request.value().get() {
        Some(Ok(at)) => {
            resend_at.set(at);
            code_sent.set(true);
        }
        Some(Err(f)) => failure.set(Some(f)),
        None => {}
    });
    let on_submit = {
        let open = open.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            submitted.update(|n| *n += 1);
            failure.set(None);
            let (Ok(found), Ok(address)) = (
                parsed_reference.get_untracked(),
                parsed_email.get_untracked(),
            ) else {
                return;
            };
            reference.set(found.clone());
            email.set(address.clone());
            if Session::for_email(&address).is_some() {
                open(&found);
                return;
            }
            request.dispatch(address);
        }
    };
    let status = Signal::derive(move || {
        request
            .pending()
            .get()
            .then(|| Text::Sending.get(lang.get()).to_owned())
    });
    let heading = Signal::derive(move || Text::ManageHeading.get(lang.get()).to_owned());
    view! {
        <PageHeading text=heading />
        {move || {
            if code_sent.get() {
                let open = open.clone();
                view! {
                    <CodeForm
                        email=email.get_untracked()
                        resend_at
                        on_verified=Callback::new(move |_| open(&reference.get_untracked()))
                        on_change_email=Callback::new(move |_| code_sent.set(false))
                        focus=true
                    />
                }
                    .into_any()
            } else {
                view! {
                    <form novalidate on:submit=on_submit.clone()>
                        <ErrorSummary problems attempt=submitted />
                        {from_slip
                            .then(|| {
                                view! {
                                    <p class="notice" role="status" id="why-sign-in">
                                        {tr(Text::SignInToSeeSlip)}
                                    </p>
                                }
                            })}
                        <p>{tr(Text::ManageIntro)}</p>
                        <TextField
                            path="reference"
                            label=Text::Reference
                            hint=Text::ReferenceHint
                            value=reference
                            error=reference_error
                            on_blur=touch("reference")
                            uppercase=true
                        />
                        <EmailField value=email error=email_error on_blur=touch("email") />
                        <Alert failure />
                        <Status text=status />
                        <button type="submit" class="button" disabled=move || request.pending().get()>
                            {tr(Text::Find)}
                        </button>
                    </form>
                }
                    .into_any()
            }
        }}
    }
}
