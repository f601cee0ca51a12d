//! The audit log for supervisors (their branch) and administrators: search by reference,
//! staff username and dates, newest first, page by page.

use leptos::prelude::*;

use super::client::{self, AuditLine};
use super::texts::{StaffText, st};
use super::{Signed, focus_soon};
use crate::api::Failure;
use crate::fields::Alert;
use crate::i18n::use_lang;
use crate::pages::PageHeading;

#[component]
pub fn AuditPage() -> impl IntoView {
    let lang = use_lang();
    let signed = expect_context::<Signed>();
    let reference = RwSignal::new(String::new());
    let staff = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let lines = RwSignal::new(Vec::<AuditLine>::new());
    let searched = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let search = Action::new_local(move |before: &Option<i64>| {
        let before = *before;
        let filters = [
            ("reference", reference.get_untracked()),
            ("staff", staff.get_untracked()),
            ("from", from.get_untracked()),
            ("to", to.get_untracked()),
        ];
        async move {
            (
                before,
                client::audit(lang.get_untracked(), &filters, before).await,
            )
        }
    });
    Effect::new(move |_| match search.value().get() {
        Some((before, Ok(found))) => {
            failure.set(None);
            searched.set(true);
            if before.is_some() {
                lines.update(|l| l.extend(found));
            } else {
                lines.set(found);
            }
        }
        Some((_, Err(f))) => {
            signed.check(&f);
            failure.set(Some(f));
            focus_soon("audit-alert");
        }
        None => {}
    });
    // The latest entries at once.
    search.dispatch(None);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        search.dispatch(None);
    };
    let field =
        |id: &'static str, label: StaffText, value: RwSignal<String>, kind: &'static str| {
            view! {
                <div class="field">
                    <label for=id>{st(label)}</label>
                    <input id=id type=kind prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev)) />
                </div>
            }
        };
    let heading = Signal::derive(move || StaffText::AuditHeading.get(lang.get()).to_owned());
    view! {
        <PageHeading text=heading />
        <p>{st(StaffText::AuditIntro)}</p>
        <form class="report-form" novalidate on:submit=on_submit>
            {field("audit-reference", StaffText::Reference, reference, "text")}
            {field("audit-staff", StaffText::StaffUser, staff, "text")}
            {field("audit-from", StaffText::From, from, "date")}
            {field("audit-to", StaffText::To, to, "date")}
            <button id="audit-search" type="submit" class="button">{st(StaffText::Search)}</button>
        </form>
        <div id="audit-alert" tabindex="-1"><Alert failure /></div>
        {move || {
            let all = lines.get();
            if searched.get() && all.is_empty() {
                return view! { <p>{st(StaffText::NoEntries)}</p> }.into_any();
            }
            let last = all.last().map(|l| l.id);
            view! {
                <div class="table-scroll">
                    <table class="day-table" id="audit-table">
                        <thead>
                            <tr>
                                <th scope="col">{st(StaffText::When)}</th>
                                <th scope="col">{st(StaffText::Who)}</th>
                                <th scope="col">{st(StaffText::What)}</th>
                                <th scope="col">{st(StaffText::Subject)}</th>
                                <th scope="col">{st(StaffText::Branch)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {all.into_iter().map(|l| view! {
                                <tr>
                                    <td>{l.at.get(..19).unwrap_or(&l.at).replace('T', " ")} " UTC"</td>
                                    <td>{l.actor}</td>
                                    <td><code>{l.action}</code></td>
                                    <td>{l.subject}</td>
                                    <td>{l.branch.unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                {last.map(|id| view! {
                    <button type="button" class="button secondary" id="audit-older"
                        on:click=move |_| { search.dispatch(Some(id)); }>
                        {st(StaffText::Older)}
                    </button>
                })}
            }
                .into_any()
        }}
    }
}
