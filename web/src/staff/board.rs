//! The day at the counter: counts, check-in (typed reference, a scanner's QR text, or the
//! camera), the applicant's details to compare with their documents (R8), serving with the
//! card payment (R9), late arrivals and no-shows (R4), the queue, and the day's board. The
//! page refreshes itself every 30 seconds and after every action.

use std::time::Duration;

use leptos::prelude::*;
use temujanji_shared::staff::{DayBoard, Queue, ServeForm, StaffAppointment};
use temujanji_shared::wire::AppointmentStatus;

use super::texts::{StaffText, st, status_name};
use super::{BranchChoice, Signed, client, scanner};
use crate::api::{Answer, Failure};
use crate::fields::Alert;
use crate::i18n::{long_date, use_lang};
use crate::pages::PageHeading;
use temujanji_shared::rules::fee;

/// How often the board reloads by itself.
const REFRESH: Duration = Duration::from_secs(30);
const COUNTER_KEY: &str = "temujanji.counter";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[component]
pub fn Board() -> impl IntoView {
    let lang = use_lang();
    let signed = expect_context::<Signed>();
    let branch = RwSignal::new(String::new());
    let tick = RwSignal::new(0u32);
    let failure = RwSignal::new(None::<Failure>);
    let current = RwSignal::new(None::<StaffAppointment>);
    let done = RwSignal::new(false);

    let board = LocalResource::new(move || {
        let (branch, _) = (branch.get(), tick.get());
        async move {
            if branch.is_empty() {
                return Err(Failure::Network);
            }
            client::day(lang.get_untracked(), &branch).await
        }
    });
    let queue = LocalResource::new(move || {
        let (branch, _) = (branch.get(), tick.get());
        async move {
            if branch.is_empty() {
                return Err(Failure::Network);
            }
            client::queue(lang.get_untracked(), &branch).await
        }
    });
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), REFRESH) {
        on_cleanup(move || handle.clear());
    }
    // Every answer: show it, or the failure (a refused session returns to sign-in).
    let answered = move |answer: Answer<StaffAppointment>| {
        match answer {
            Ok(found) => {
                failure.set(None);
                done.set(false);
                current.set(Some(found));
                super::focus_soon("current-heading");
            }
            Err(f) => {
                signed.check(&f);
                failure.set(Some(f));
                super::focus_soon("board-alert");
            }
        }
        tick.update(|t| *t += 1);
    };

    let typed = RwSignal::new(String::new());
    let check_in = Action::new_local(move |text: &String| {
        let text = text.clone();
        async move { client::check_in(lang.get_untracked(), &text).await }
    });
    Effect::new(move |_| {
        if let Some(answer) = check_in.value().get() {
            if answer.is_ok() {
                typed.set(String::new());
            }
            answered(answer);
        }
    });
    let on_check_in = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = typed.get_untracked();
        if !text.trim().is_empty() {
            check_in.dispatch(text);
        }
    };
    let scanned = Callback::new(move |text: String| {
        typed.set(text.clone());
        check_in.dispatch(text);
    });

    let open = Action::new_local(move |reference: &String| {
        let reference = reference.clone();
        async move { client::appointment(lang.get_untracked(), &reference).await }
    });
    Effect::new(move |_| {
        if let Some(answer) = open.value().get() {
            answered(answer);
        }
    });
    let act = Action::new_local(
        move |(what, reference, detail): &(&'static str, String, ServeForm)| {
            let (what, reference, detail) = (*what, reference.clone(), detail.clone());
            async move {
                let lang = lang.get_untracked();
                match what {
                    "serve" => client::serve(lang, &reference, &detail).await,
                    "cancel" => client::cancel(lang, &reference, &detail.approval_code).await,
                    _ => client::no_show(lang, &reference).await,
                }
            }
        },
    );
    Effect::new(move |_| {
        if let Some(answer) = act.value().get() {
            let finished = answer
                .as_ref()
                .is_ok_and(|a| a.appointment.status != AppointmentStatus::CheckedIn);
            answered(answer);
            if finished {
                done.set(true);
            }
        }
    });

    let counter = RwSignal::new(
        local_storage()
            .and_then(|s| s.get_item(COUNTER_KEY).ok().flatten())
            .unwrap_or_else(|| "1".to_owned()),
    );
    Effect::new(move |_| {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(COUNTER_KEY, &counter.get());
        }
    });
    let nobody = RwSignal::new(false);
    let call = Action::new_local(move |(branch, counter): &(String, String)| {
        let (branch, counter) = (branch.clone(), counter.clone());
        async move { client::call_next(lang.get_untracked(), &branch, &counter).await }
    });
    Effect::new(move |_| match call.value().get() {
        Some(Ok(Some(called))) => {
            nobody.set(false);
            answered(Ok(called));
        }
        Some(Ok(None)) => {
            nobody.set(true);
            tick.update(|t| *t += 1);
        }
        Some(Err(f)) => answered(Err(f)),
        None => {}
    });

    let heading = Signal::derive(move || StaffText::BoardHeading.get(lang.get()).to_owned());
    view! {
        <PageHeading text=heading />
        <BranchChoice branch />
        <p class="staff-links">
            <a href=move || format!("/display/{}", branch.get()) target="_blank" rel="noopener">
                {st(StaffText::NavDisplay)}
            </a>
        </p>
        <Counts board />
        <section class="panel staff-checkin" aria-labelledby="checkin-heading">
            <h2 id="checkin-heading">{st(StaffText::CheckInHeading)}</h2>
            <form novalidate on:submit=on_check_in>
                <div class="field">
                    <label for="checkin-input">{st(StaffText::CheckInLabel)}</label>
                    <p class="hint" id="checkin-hint">{st(StaffText::CheckInHint)}</p>
                    <input
                        id="checkin-input"
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        aria-describedby="checkin-hint"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                </div>
                <div class="button-row">
                    <button id="checkin-submit" type="submit" class="button" disabled=move || check_in.pending().get()>
                        {st(StaffText::CheckInButton)}
                    </button>
                    <scanner::ScanButton on_scan=scanned />
                </div>
            </form>
        </section>
        <div id="board-alert" tabindex="-1">
            <Alert failure />
        </div>
        {move || done.get().then(|| view! { <p class="notice" role="status">{st(StaffText::Done)}</p> })}
        {move || current.get().map(|a| view! { <Current appointment=a act /> })}
        <section class="panel" aria-labelledby="queue-heading">
            <h2 id="queue-heading">{st(StaffText::QueueHeading)}</h2>
            <div class="button-row">
                <div class="field counter-field">
                    <label for="counter-number">{st(StaffText::Counter)}</label>
                    <input
                        id="counter-number"
                        maxlength="4"
                        size="4"
                        prop:value=move || counter.get()
                        on:input=move |ev| counter.set(event_target_value(&ev))
                    />
                </div>
                <button
                    id="call-next"
                    type="button"
                    class="button"
                    on:click=move |_| {
                        call.dispatch((branch.get_untracked(), counter.get_untracked()));
                    }
                >
                    {st(StaffText::CallNext)}
                </button>
            </div>
            {move || nobody.get().then(|| view! { <p role="status">{st(StaffText::NobodyWaiting)}</p> })}
            <QueueList queue />
        </section>
        <DayList board open=Callback::new(move |reference: String| { open.dispatch(reference); }) />
    }
}

#[component]
fn Counts(board: LocalResource<Answer<DayBoard>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        board.get().and_then(Result::ok).map(|b| {
            let c = b.counts;
            let items = [
                (StaffText::Expected, c.expected),
                (StaffText::Arrived, c.arrived),
                (StaffText::Late, c.late),
                (StaffText::Served, c.served),
                (StaffText::NoShows, c.no_show),
                (StaffText::Cancelled, c.cancelled),
            ];
            view! {
                <dl class="counts" aria-live="polite">
                    {items
                        .into_iter()
                        .map(|(label, n)| view! {
                            <div class="count">
                                <dt>{move || label.get(lang.get())}</dt>
                                <dd>{n}</dd>
                            </div>
                        })
                        .collect_view()}
                </dl>
            }
        })
    }
}

#[component]
fn Current(
    appointment: StaffAppointment,
    act: Action<(&'static str, String, ServeForm), Answer<StaffAppointment>>,
) -> impl IntoView {
    let lang = use_lang();
    let a = appointment.appointment.clone();
    let counter = appointment.counter.clone();
    let reference = a.reference.to_string();
    let late = counter.late;
    let fee_sen = a.service.fee_sen;
    let amount = RwSignal::new(format!("{}.{:02}", fee_sen / 100, fee_sen % 100));
    let approval = RwSignal::new(String::new());
    let reason = RwSignal::new(if late {
        StaffText::LateReason.get(lang.get_untracked()).to_owned()
    } else {
        String::new()
    });
    let status = a.status;
    // Malaysian time (UTC+8), whatever the counter PC's time zone.
    let started = chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
        .map(|utc| utc.naive_utc() + chrono::TimeDelta::hours(8))
        .is_some_and(|local| local >= a.date.and_time(a.start.time()));
    let serve_ref = reference.clone();
    let on_serve = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let sen = amount
            .get_untracked()
            .trim()
            .trim_start_matches("RM")
            .parse::<f64>()
            .map(|rm| (rm * 100.0).round() as i64)
            .unwrap_or(0);
        act.dispatch((
            "serve",
            serve_ref.clone(),
            ServeForm {
                amount_sen: sen,
                approval_code: approval.get_untracked(),
            },
        ));
    };
    let cancel_ref = reference.clone();
    let on_cancel = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        act.dispatch((
            "cancel",
            cancel_ref.clone(),
            ServeForm {
                amount_sen: 0,
                approval_code: reason.get_untracked(),
            },
        ));
    };
    let no_show_ref = reference.clone();
    view! {
        <section class="panel current" aria-labelledby="current-heading">
            <h2 id="current-heading" tabindex="-1">
                {reference.clone()} " — " {move || status_name(status, lang.get())}
            </h2>
            {(status == AppointmentStatus::CheckedIn || counter.checked_in_at.is_some()).then(|| {
                if late {
                    view! { <p class="badge late-badge" id="late-flag">{st(StaffText::LateArrival)}</p> }.into_any()
                } else {
                    view! { <p class="badge ontime-badge" id="late-flag">{st(StaffText::OnTime)}</p> }.into_any()
                }
            })}
            <p class="hint">{st(StaffText::CompareDocuments)}</p>
            <dl class="summary">
                <div class="summary-row"><dt>{st(StaffText::Name)}</dt><dd id="current-name">{a.applicant.name.clone()}</dd></div>
                <div class="summary-row"><dt>{st(StaffText::IdNumber)}</dt><dd id="current-id">{counter.id_number.clone()}</dd></div>
                <div class="summary-row"><dt>{st(StaffText::Nationality)}</dt><dd>{
                    let code = a.applicant.nationality.clone();
                    move || match temujanji_shared::country::name_of(&code, lang.get()) {
                        Some(name) => format!("{name} ({code})"),
                        None => code.clone(),
                    }
                }</dd></div>
                <div class="summary-row"><dt>{st(StaffText::Phone)}</dt><dd>{a.applicant.phone.clone()}</dd></div>
                <div class="summary-row"><dt>{st(StaffText::Service)}</dt><dd>{move || a.service.name.get(lang.get()).to_owned()}</dd></div>
                <div class="summary-row"><dt>{st(StaffText::Time)}</dt><dd>{move || format!("{}, {}–{}", long_date(lang.get(), a.date), a.start, a.end)}</dd></div>
            </dl>
            {(status == AppointmentStatus::CheckedIn).then(|| view! {
                <form class="serve-form" novalidate on:submit=on_serve.clone()>
                    <h3>{st(StaffText::ServeHeading)}</h3>
                    <p class="hint">{move || fee(lang.get(), fee_sen)}</p>
                    <div class="field">
                        <label for="serve-amount">{st(StaffText::Amount)}</label>
                        <input id="serve-amount" inputmode="decimal" prop:value=move || amount.get()
                            on:input=move |ev| amount.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label for="serve-approval">{st(StaffText::ApprovalCode)}</label>
                        <input id="serve-approval" maxlength="6" autocomplete="off" autocapitalize="characters"
                            prop:value=move || approval.get()
                            on:input=move |ev| approval.set(event_target_value(&ev)) />
                    </div>
                    <button id="serve-submit" type="submit" class="button">{st(StaffText::Serve)}</button>
                </form>
            })}
            {matches!(status, AppointmentStatus::CheckedIn | AppointmentStatus::Booked).then(|| view! {
                <form class="cancel-form" novalidate on:submit=on_cancel.clone()>
                    <h3>{st(StaffText::CancelHeading)}</h3>
                    <div class="field">
                        <label for="cancel-reason">{st(StaffText::Reason)}</label>
                        <input id="cancel-reason" prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev)) />
                    </div>
                    <button id="cancel-submit" type="submit" class="button warning">{st(StaffText::CancelButton)}</button>
                </form>
            })}
            {(status == AppointmentStatus::Booked && started).then(|| {
                let no_show_ref = no_show_ref.clone();
                view! {
                    <button id="no-show" type="button" class="button secondary"
                        on:click=move |_| {
                            act.dispatch(("no-show", no_show_ref.clone(), ServeForm::default()));
                        }>
                        {st(StaffText::NoShow)}
                    </button>
                }
            })}
        </section>
    }
}

#[component]
fn QueueList(queue: LocalResource<Answer<Queue>>) -> impl IntoView {
    move || {
        queue.get().and_then(Result::ok).map(|q| {
            view! {
                <h3>{st(StaffText::Waiting)} " (" {q.waiting.len()} ")"</h3>
                {q.waiting.is_empty().then(|| view! { <p>{st(StaffText::NobodyWaiting)}</p> })}
                <ol class="queue" id="queue-waiting">
                    {q.waiting
                        .into_iter()
                        .map(|w| view! {
                            <li>
                                <span class="reference">{w.reference}</span> " " {w.applicant_name}
                                {w.late.then(|| view! { " " <span class="badge late-badge">{st(StaffText::Late)}</span> })}
                            </li>
                        })
                        .collect_view()}
                </ol>
                <h3>{st(StaffText::Called)}</h3>
                <ul class="queue" id="queue-called">
                    {q.called
                        .into_iter()
                        .map(|c| view! { <li><span class="reference">{c.reference}</span> " → " {st(StaffText::Counter)} " " {c.counter}</li> })
                        .collect_view()}
                </ul>
            }
        })
    }
}

#[component]
fn DayList(board: LocalResource<Answer<DayBoard>>, open: Callback<String>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="panel" aria-labelledby="day-heading">
            <h2 id="day-heading">
                {move || board.get().and_then(Result::ok).map(|b| long_date(lang.get(), b.date)).unwrap_or_default()}
            </h2>
            {move || match board.get() {
                None => view! { <p>{st(StaffText::Loading)}</p> }.into_any(),
                Some(Err(_)) => ().into_any(),
                Some(Ok(b)) if b.slots.is_empty() => view! { <p>{st(StaffText::NoAppointments)}</p> }.into_any(),
                Some(Ok(b)) => view! {
                    <div class="table-scroll">
                    <table class="day-table" id="day-table">
                        <thead>
                            <tr>
                                <th scope="col">{st(StaffText::Time)}</th>
                                <th scope="col">{st(StaffText::Reference)}</th>
                                <th scope="col">{st(StaffText::Name)}</th>
                                <th scope="col">{st(StaffText::Status)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {b.slots
                                .into_iter()
                                .flat_map(|slot| {
                                    let time = format!("{}–{}", slot.start, slot.end);
                                    slot.appointments.into_iter().map(move |e| (time.clone(), e))
                                })
                                .map(|(time, e)| {
                                    let reference = e.reference.clone();
                                    let status = e.status;
                                    view! {
                                        <tr class=format!("row-{}", status.code())>
                                            <td>{time}</td>
                                            <td>
                                                <button type="button" class="link-button"
                                                    on:click=move |_| open.run(reference.clone())>
                                                    {e.reference.clone()}
                                                </button>
                                            </td>
                                            <td>{e.applicant_name}</td>
                                            <td>
                                                {move || status_name(status, lang.get())}
                                                {e.late.then(|| view! { " " <span class="badge late-badge">{st(StaffText::Late)}</span> })}
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                    </div>
                }
                    .into_any(),
            }}
        </section>
    }
}
