//! The staff pages, all lazy routes (none of their code or words is in the applicant's first
//! download): sign-in, the day at the counter (board, check-in by reference or QR, serving,
//! queue), branch settings, reports, and the waiting hall's display. Fit for a counter PC and
//! a tablet, keyboard first, in Bahasa Melayu and English.

mod audit;
mod blocks;
pub mod board;
mod client;
pub mod config;
pub mod display;
mod login;
pub mod reports;
mod scanner;
mod session;
mod texts;

use leptos::prelude::*;
use leptos_router::components::A;
use temujanji_shared::staff::StaffMe;

use crate::api::Failure;
use crate::i18n::use_lang;
use session::StaffSession;
use texts::{StaffText, st};

/// Who is signed in, shared by the staff pages; `None` shows the sign-in form.
#[derive(Clone, Copy)]
struct Signed(RwSignal<Option<StaffMe>>);

impl Signed {
    fn me(&self) -> Option<StaffMe> {
        self.0.get()
    }

    /// Forgets the session after the server refused it.
    fn check(&self, failure: &Failure) {
        if failure.kind() == Some(temujanji_shared::problem::ProblemType::Unauthorized) {
            StaffSession::end();
            self.0.set(None);
        }
    }
}

/// Moves focus to `id` once the page has drawn what was just put there.
fn focus_soon(id: &'static str) {
    request_animation_frame(move || crate::fields::focus_element(id));
}

fn is_manager(me: &StaffMe) -> bool {
    me.role == "supervisor" || me.role == "admin"
}

/// The staff page shell: the sign-in form until someone is signed in, then the navigation
/// and `children`.
#[component]
fn StaffShell(children: ChildrenFn) -> impl IntoView {
    let signed = Signed(RwSignal::new(StaffSession::current().and_then(|s| s.me)));
    provide_context(signed);
    let lang = use_lang();
    let sign_out = Action::new_local(move |_: &()| async move {
        client::logout(lang.get_untracked()).await;
        signed.0.set(None);
    });
    move || match signed.me() {
        None => {
            view! { <login::Login on_signed_in=Callback::new(move |me| signed.0.set(Some(me))) /> }
                .into_any()
        }
        Some(me) => {
            let manager = is_manager(&me);
            let children = children.clone();
            view! {
                <nav class="staff-nav" aria-label=st(StaffText::StaffArea)>
                    <A href="/staff" exact=true>{st(StaffText::NavBoard)}</A>
                    {manager.then(|| view! { <A href="/staff/config" exact=true>{st(StaffText::NavConfig)}</A> })}
                    {manager.then(|| view! { <A href="/staff/reports" exact=true>{st(StaffText::NavReports)}</A> })}
                    {manager.then(|| view! { <A href="/staff/blocks" exact=true>{st(StaffText::NavBlocks)}</A> })}
                    {manager.then(|| view! { <A href="/staff/audit" exact=true>{st(StaffText::NavAudit)}</A> })}
                    <span class="staff-who">{format!("{} ({})", me.username, me.role)}</span>
                    <button
                        type="button"
                        class="button secondary"
                        on:click=move |_| {
                            sign_out.dispatch(());
                        }
                    >
                        {st(StaffText::SignOut)}
                    </button>
                </nav>
                {children()}
            }
                .into_any()
        }
    }
}

/// The branches this member works at: an officer's or supervisor's own, or every branch for
/// an administrator (who chooses one).
#[component]
fn BranchChoice(branch: RwSignal<String>) -> impl IntoView {
    let signed = expect_context::<Signed>();
    let lang = use_lang();
    let own = signed.me().and_then(|me| me.branch);
    if let Some(own) = own {
        branch.set(own.clone());
        return view! { <p class="staff-branch">{st(StaffText::Branch)}": " <strong>{own}</strong></p> }
            .into_any();
    }
    let all = LocalResource::new(move || crate::api::branches(lang.get_untracked()));
    Effect::new(move |_| {
        if branch.get_untracked().is_empty()
            && let Some(Ok(list)) = all.get()
            && let Some(first) = list.first()
        {
            branch.set(first.code.to_string());
        }
    });
    view! {
        <div class="field">
            <label for="staff-branch">{st(StaffText::Branch)}</label>
            <select
                id="staff-branch"
                on:change=move |ev| branch.set(event_target_value(&ev))
                prop:value=move || branch.get()
            >
                {move || {
                    all.get()
                        .and_then(Result::ok)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|b| {
                            let code = b.code.to_string();
                            view! { <option value=code.clone()>{format!("{} — {}", code, b.name)}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
        .into_any()
}

/// Every staff page, by the address: one lazy route for all of them (and the hall's display),
/// so that their code is one group of chunks rather than one per page, which would multiply
/// the chunks every other lazy page needs (code shared by a different set of pages is a chunk
/// of its own).
#[component]
pub fn StaffPages() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    move || {
        let path = location.pathname.get();
        match path.as_str() {
            "/staff/config" => view! { <StaffConfigPage /> }.into_any(),
            "/staff/reports" => view! { <StaffReportsPage /> }.into_any(),
            "/staff/blocks" => view! { <StaffBlocksPage /> }.into_any(),
            "/staff/audit" => view! { <StaffAuditPage /> }.into_any(),
            _ if path.starts_with("/display/") => view! { <display::DisplayPage /> }.into_any(),
            _ => view! { <StaffPage /> }.into_any(),
        }
    }
}

/// The board, behind sign-in.
#[component]
pub fn StaffPage() -> impl IntoView {
    view! { <StaffShell>{|| view! { <board::Board /> }}</StaffShell> }
}

/// Branch settings, behind sign-in.
#[component]
pub fn StaffConfigPage() -> impl IntoView {
    view! { <StaffShell>{|| view! { <config::ConfigPage /> }}</StaffShell> }
}

/// Blocks, behind sign-in.
#[component]
pub fn StaffBlocksPage() -> impl IntoView {
    view! { <StaffShell>{|| view! { <blocks::BlocksPage /> }}</StaffShell> }
}

/// The audit log, behind sign-in.
#[component]
pub fn StaffAuditPage() -> impl IntoView {
    view! { <StaffShell>{|| view! { <audit::AuditPage /> }}</StaffShell> }
}

/// Reports, behind sign-in.
#[component]
pub fn StaffReportsPage() -> impl IntoView {
    view! { <StaffShell>{|| view! { <reports::ReportsPage /> }}</StaffShell> }
}
