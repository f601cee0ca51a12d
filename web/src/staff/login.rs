//! Staff sign-in.

use leptos::prelude::*;
use temujanji_shared::problem::ProblemType;
use temujanji_shared::staff::StaffMe;

use super::client;
use super::texts::{StaffText, st};
use crate::api::Failure;
use crate::i18n::use_lang;
use crate::pages::PageHeading;

#[component]
pub fn Login(on_signed_in: Callback<StaffMe>) -> impl IntoView {
    let lang = use_lang();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<StaffText>);
    let missing = RwSignal::new(false);
    let submit = Action::new_local(move |(u, p): &(String, String)| {
        let (u, p) = (u.clone(), p.clone());
        async move { client::login(lang.get_untracked(), &u, &p).await }
    });
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(session)) => {
            if let Some(me) = session.me {
                on_signed_in.run(me);
            }
        }
        Some(Err(failure)) => {
            error.set(Some(match failure {
                Failure::Problem(p) if p.kind == ProblemType::RateLimited => StaffText::Locked,
                Failure::Problem(p) if p.kind == ProblemType::InvalidCredentials => {
                    StaffText::WrongCredentials
                }
                _ => StaffText::WrongCredentials,
            }));
            super::focus_soon("login-error");
        }
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let (u, p) = (username.get_untracked(), password.get_untracked());
        if u.trim().is_empty() || p.is_empty() {
            missing.set(true);
            super::focus_soon(if u.trim().is_empty() {
                "login-username"
            } else {
                "login-password"
            });
            return;
        }
        missing.set(false);
        submit.dispatch((u, p));
    };
    let heading = Signal::derive(move || StaffText::SignInHeading.get(lang.get()).to_owned());
    let field_error = move |empty: fn(&str) -> bool, value: RwSignal<String>| {
        move || (missing.get() && empty(&value.get())).then(|| st(StaffText::Required)())
    };
    view! {
        <PageHeading text=heading />
        <p>{st(StaffText::SignInIntro)}</p>
        <form class="staff-login" novalidate on:submit=on_submit>
            {move || error.get().map(|e| view! {
                <div id="login-error" class="alert" role="alert" tabindex="-1">{move || e.get(lang.get())}</div>
            })}
            <div class="field">
                <label for="login-username">{st(StaffText::Username)}</label>
                {move || field_error(|v| v.trim().is_empty(), username)().map(|m| view! {
                    <p class="field-error" id="login-username-error">{m}</p>
                })}
                <input
                    id="login-username"
                    name="username"
                    autocomplete="username"
                    autocapitalize="none"
                    spellcheck="false"
                    aria-invalid=move || (missing.get() && username.get().trim().is_empty()).to_string()
                    prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev))
                />
            </div>
            <div class="field">
                <label for="login-password">{st(StaffText::Password)}</label>
                {move || field_error(|v| v.is_empty(), password)().map(|m| view! {
                    <p class="field-error" id="login-password-error">{m}</p>
                })}
                <input
                    id="login-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    aria-invalid=move || (missing.get() && password.get().is_empty()).to_string()
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
            </div>
            <p class="status" role="status">
                {move || submit.pending().get().then(|| st(StaffText::SigningIn)())}
            </p>
            <button id="login-submit" type="submit" class="button" disabled=move || submit.pending().get()>
                {st(StaffText::SignIn)}
            </button>
        </form>
    }
}
