//! Blocks (R5) for supervisors and administrators: block a MyKad or passport number, an
//! e-mail or a phone until a date, list the blocks, lift one with a reason.

use leptos::prelude::*;
use temujanji_shared::staff::{Block, BlockCategory, BlockForm, BlockKind};

use super::texts::{StaffText, st};
use super::{Signed, client, focus_soon};
use crate::api::Failure;
use crate::fields::Alert;
use crate::i18n::use_lang;
use crate::pages::PageHeading;

const KINDS: [(BlockKind, &str, StaffText); 4] = [
    (BlockKind::Mykad, "mykad", StaffText::KindMykad),
    (BlockKind::Passport, "passport", StaffText::KindPassport),
    (BlockKind::Email, "email", StaffText::KindEmail),
    (BlockKind::Phone, "phone", StaffText::KindPhone),
];

const CATEGORIES: [(BlockCategory, StaffText); 5] = [
    (BlockCategory::NoShows, StaffText::CategoryNoShows),
    (BlockCategory::Hoarding, StaffText::CategoryHoarding),
    (BlockCategory::Fraud, StaffText::CategoryFraud),
    (BlockCategory::Automation, StaffText::CategoryAutomation),
    (BlockCategory::Abuse, StaffText::CategoryAbuse),
];

fn category_text(category: BlockCategory) -> StaffText {
    CATEGORIES
        .iter()
        .find(|(c, _)| *c == category)
        .map_or(StaffText::CategoryAbuse, |(_, t)| *t)
}

#[component]
pub fn BlocksPage() -> impl IntoView {
    let lang = use_lang();
    let signed = expect_context::<Signed>();
    let show_lifted = RwSignal::new(false);
    let tick = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        let (lifted, _) = (show_lifted.get(), tick.get());
        async move { client::blocks(lang.get_untracked(), !lifted).await }
    });
    let kind = RwSignal::new("mykad".to_owned());
    let value = RwSignal::new(String::new());
    let nationality = RwSignal::new(String::new());
    let category = RwSignal::new("abuse".to_owned());
    let note = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let saved = RwSignal::new(false);
    let create = Action::new_local(move |form: &BlockForm| {
        let form = form.clone();
        async move { client::create_block(lang.get_untracked(), &form).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(_)) => {
            failure.set(None);
            saved.set(true);
            value.set(String::new());
            note.set(String::new());
            tick.update(|t| *t += 1);
            focus_soon("block-saved");
        }
        Some(Err(f)) => {
            signed.check(&f);
            saved.set(false);
            failure.set(Some(f));
            focus_soon("blocks-alert");
        }
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let kind = KINDS
            .iter()
            .find(|(_, code, _)| *code == kind.get_untracked())
            .map_or(BlockKind::Mykad, |(k, _, _)| *k);
        let category = CATEGORIES
            .iter()
            .find(|(c, _)| c.code() == category.get_untracked())
            .map_or(BlockCategory::Abuse, |(c, _)| *c);
        create.dispatch(BlockForm {
            kind,
            value: value.get_untracked(),
            nationality: Some(nationality.get_untracked()).filter(|n| !n.trim().is_empty()),
            category,
            note: note.get_untracked(),
            until: until.get_untracked(),
        });
    };
    let heading = Signal::derive(move || StaffText::BlocksHeading.get(lang.get()).to_owned());
    view! {
        <PageHeading text=heading />
        <p>{st(StaffText::BlocksIntro)}</p>
        <form class="panel" novalidate on:submit=on_submit>
            <div id="blocks-alert" tabindex="-1"><Alert failure /></div>
            <div class="field">
                <label for="block-kind">{st(StaffText::BlockKindLabel)}</label>
                <select id="block-kind" prop:value=move || kind.get()
                    on:change=move |ev| kind.set(event_target_value(&ev))>
                    {KINDS.iter().map(|(_, code, text)| {
                        let text = *text;
                        view! { <option value=*code>{move || text.get(lang.get())}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="block-value">{st(StaffText::BlockValue)}</label>
                <input id="block-value" autocomplete="off" prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev)) />
            </div>
            {move || (kind.get() == "passport").then(|| view! {
                <div class="field">
                    <label for="block-nationality">{st(StaffText::PassportCountry)}</label>
                    <input id="block-nationality" maxlength="3" size="4" autocapitalize="characters"
                        prop:value=move || nationality.get()
                        on:input=move |ev| nationality.set(event_target_value(&ev)) />
                </div>
            })}
            <div class="field">
                <label for="block-category">{st(StaffText::Category)}</label>
                <select id="block-category" prop:value=move || category.get()
                    on:change=move |ev| category.set(event_target_value(&ev))>
                    {CATEGORIES.iter().map(|(c, text)| {
                        let text = *text;
                        view! { <option value=c.code()>{move || text.get(lang.get())}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="block-note">{st(StaffText::Note)}</label>
                <input id="block-note" prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="block-until">{st(StaffText::Until)}</label>
                <input id="block-until" type="date" prop:value=move || until.get()
                    on:input=move |ev| until.set(event_target_value(&ev)) />
            </div>
            <button id="block-submit" type="submit" class="button warning">{st(StaffText::CreateBlock)}</button>
            {move || saved.get().then(|| view! {
                <p id="block-saved" class="notice" role="status" tabindex="-1">{st(StaffText::Blocked)}</p>
            })}
        </form>
        <div class="field checkbox-field">
            <label>
                <input type="checkbox" id="show-lifted" prop:checked=move || show_lifted.get()
                    on:change=move |ev| show_lifted.set(event_target_checked(&ev)) />
                " " {st(StaffText::ShowLifted)}
            </label>
        </div>
        {move || match list.get() {
            None => view! { <p>{st(StaffText::Loading)}</p> }.into_any(),
            Some(Err(f)) => {
                signed.check(&f);
                ().into_any()
            }
            Some(Ok(blocks)) if blocks.is_empty() => view! { <p>{st(StaffText::NoBlocks)}</p> }.into_any(),
            Some(Ok(blocks)) => view! {
                <ul class="block-list" id="block-list">
                    {blocks.into_iter().map(|b| view! { <BlockItem block=b tick /> }).collect_view()}
                </ul>
            }
                .into_any(),
        }}
    }
}

#[component]
fn BlockItem(block: Block, tick: RwSignal<u32>) -> impl IntoView {
    let lang = use_lang();
    let signed = expect_context::<Signed>();
    let reason = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let id = block.id;
    let lift = Action::new_local(move |reason: &String| {
        let reason = reason.clone();
        async move { client::lift_block(lang.get_untracked(), id, &reason).await }
    });
    Effect::new(move |_| match lift.value().get() {
        Some(Ok(_)) => tick.update(|t| *t += 1),
        Some(Err(f)) => {
            signed.check(&f);
            failure.set(Some(f));
        }
        None => {}
    });
    let category = category_text(block.category);
    let lifted = block.lifted_at.is_some();
    let reason_id = format!("lift-reason-{id}");
    view! {
        <li class="panel block-item">
            <p><strong class="reference">{block.value.clone()}</strong></p>
            <p>{move || category.get(lang.get())} " — " {st(StaffText::Until)} ": " {block.until.to_string()}</p>
            <p class="hint">{block.note.clone()} " · " {st(StaffText::CreatedBy)} " " {block.created_by.clone()}</p>
            {if lifted {
                view! {
                    <p class="notice">{st(StaffText::LiftedBy)} " " {block.lifted_by.clone().unwrap_or_default()}
                        ": " {block.lift_reason.clone().unwrap_or_default()}</p>
                }.into_any()
            } else {
                view! {
                    <form class="button-row" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        lift.dispatch(reason.get_untracked());
                    }>
                        <div class="field">
                            <label for=reason_id.clone()>{st(StaffText::LiftReason)}</label>
                            <input id=reason_id.clone() class="lift-reason" prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev)) />
                        </div>
                        <button type="submit" class="button secondary lift-button">{st(StaffText::Lift)}</button>
                    </form>
                    <Alert failure />
                }.into_any()
            }}
        </li>
    }
}
