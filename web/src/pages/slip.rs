//! The appointment slip (R5, R7, R9) and what its owner can do with it: print (one A4 page),
//! download the PDF, reschedule to another free slot, cancel (after a confirmation step).

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use temujanji_shared::problem::ProblemType;
use temujanji_shared::wire::{Appointment, AppointmentStatus};

use crate::api::{self, Failure};
use crate::calendar::SlotPicker;
use crate::fields::{Alert, Status, focus_element};
use crate::i18n::{BilingualList, Text, long_date, tr, use_lang};
use crate::pages::PageHeading;
use crate::qr::QrImage;
use crate::session::Session;
use temujanji_shared::rules::fee;

fn status_text(status: AppointmentStatus) -> Text {
    match status {
        AppointmentStatus::Booked => Text::StatusBooked,
        AppointmentStatus::CheckedIn => Text::StatusCheckedIn,
        AppointmentStatus::Completed => Text::StatusCompleted,
        AppointmentStatus::Cancelled => Text::StatusCancelled,
        AppointmentStatus::NoShow => Text::StatusNoShow,
    }
}

/// What the page is showing below the slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    View,
    ConfirmCancel,
    Reschedule,
}

#[component]
pub fn SlipPage() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let query = use_query_map();
    let navigate = use_navigate();
    let reference = move || params.read().get("reference").unwrap_or_default();
    let Some(session) = Session::current() else {
        // Not verified in this tab: prove the e-mail first, then come back.
        // Replaced, so that Back does not return to this redirect; manage says why it asks.
        let to = format!("/manage?reference={}&why=sign-in", reference());
        request_animation_frame(move || {
            navigate(
                &to,
                leptos_router::NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            )
        });
        return view! { <p role="status">{tr(Text::Loading)}</p> }.into_any();
    };
    let token = session.token.clone();
    let appointment = RwSignal::new(None::<Result<Appointment, Failure>>);
    {
        // Follows the address: back and forward between two slips load each one.
        let token = token.clone();
        Effect::new(move |_| {
            let wanted = reference();
            appointment.set(None);
            let token = token.clone();
            leptos::task::spawn_local(async move {
                let result = api::appointment(lang.get_untracked(), &token, &wanted).await;
                // An answer for an address already left is dropped.
                if params.read_untracked().get("reference").as_deref() == Some(wanted.as_str()) {
                    appointment.set(Some(result));
                }
            });
        });
    }
    let notice = RwSignal::new(
        query
            .read_untracked()
            .get("booked")
            .map(|_| Text::BookedNotice),
    );
    let heading = Signal::derive(move || Text::SlipHeading.get(lang.get()).to_owned());
    view! {
        <PageHeading text=heading />
        {move || {
            notice
                .get()
                .map(|text| {
                    view! {
                        <p class="notice success" role="status" id="notice" tabindex="-1">{tr(text)}</p>
                    }
                })
        }}
        {move || match appointment.get() {
            None => view! { <p role="status">{tr(Text::Loading)}</p> }.into_any(),
            Some(Err(failure)) => {
                if failure.kind() == Some(ProblemType::Unauthorized) {
                    // The server no longer accepts this token: forget it, so that manage asks
                    // for a new code instead of coming straight back here.
                    Session::end();
                }
                let message = match failure.kind() {
                    Some(ProblemType::Unauthorized) => Text::SignInAgain.get(lang.get()).to_owned(),
                    Some(ProblemType::NotFound) => Text::NotFound.get(lang.get()).to_owned(),
                    _ => failure.message(lang.get()),
                };
                let manage = format!("/manage?reference={}", reference());
                view! {
                    <p class="alert" role="alert">{message}</p>
                    <p><a href=manage>{tr(Text::ManageCta)}</a></p>
                }
                    .into_any()
            }
            Some(Ok(a)) => {
                view! { <Slip appointment=a.clone() /> <Actions appointment=a token=token.clone() state=appointment notice /> }
                    .into_any()
            }
        }}
    }
    .into_any()
}

#[component]
fn Slip(appointment: Appointment) -> impl IntoView {
    let lang = use_lang();
    let a = appointment;
    let reference = a.reference.to_string();
    let qr_label = {
        let reference = reference.clone();
        Signal::derive(move || format!("{} {reference}", Text::QrCaption.get(lang.get())))
    };
    let booked = a.status == AppointmentStatus::Booked;
    let masked = a.applicant.id_number_masked.clone();
    let last_digits: String = masked.chars().filter(char::is_ascii_digit).collect();
    let phone_href = format!("tel:{}", branch_phone_digits(&a.branch.phone));
    let service = a.service.clone();
    let branch = a.branch.clone();
    let applicant = a.applicant.clone();
    let date = a.date;
    let status = a.status;
    let documents = service.documents.clone();
    let fee_sen = service.fee_sen;
    let fee_note = service.fee_note.clone();
    let service_name = service.name.clone();
    view! {
        <article class="slip" aria-labelledby="slip-reference">
            <header class="slip-head">
                <div>
                    <p class="slip-dept">{tr(Text::Department)}</p>
                    <p class="label">{tr(Text::Reference)}</p>
                    <p class="reference" id="slip-reference">{reference.clone()}</p>
                    <p class=move || format!("badge status-{}", status.code())>{tr(status_text(status))}</p>
                </div>
                <Show when=move || booked>
                    <div class="slip-qr">
                        <QrImage payload=a.qr_payload.clone() label=qr_label />
                        <p class="hint">{tr(Text::QrCaption)}</p>
                    </div>
                </Show>
            </header>
            <Show when=move || !booked>
                <p class="notice warning" id="slip-void">{tr(Text::CancelledSlip)}</p>
            </Show>
            <dl class="slip-details">
                <div class="slip-when">
                    <dt>{tr(Text::Date)}</dt>
                    <dd id="slip-date">{move || long_date(lang.get(), date)}</dd>
                    <dt>{tr(Text::Time)}</dt>
                    <dd id="slip-time">{format!("{}–{}", a.start, a.end)}</dd>
                    <Show when=move || booked>
                        <dt>{tr(Text::ArriveBy)}</dt>
                        <dd class="arrive-by">
                            <strong>{a.arrive_by.to_string()}</strong>
                            " "
                            {tr(Text::ArriveNote)}
                        </dd>
                    </Show>
                </div>
                <dt>{tr(Text::Service)}</dt>
                <dd>{move || service_name.get(lang.get()).to_owned()}</dd>
                <dt>{tr(Text::Branch)}</dt>
                <dd>
                    <strong>{branch.name.clone()}</strong>
                    <br />
                    {format!(
                        "{}{}, {} {}, {}",
                        branch.address.line1,
                        branch.address.line2.as_ref().map(|l| format!(", {l}")).unwrap_or_default(),
                        branch.address.postcode,
                        branch.address.city,
                        branch.address.state.name(),
                    )}
                    <br />
                    {tr(Text::Telephone)}
                    ": "
                    <a href=phone_href>{branch.phone.clone()}</a>
                </dd>
                <dt>{tr(Text::Applicant)}</dt>
                <dd>
                    {applicant.name.clone()}
                    <br />
                    <span aria-hidden="true">{masked.clone()}</span>
                    <span class="visually-hidden">
                        {tr(Text::NumberEndingIn)}
                        {format!(" {last_digits}")}
                    </span>
                    {
                        let code = applicant.nationality.clone();
                        move || {
                            let name = temujanji_shared::country::name_of(&code, lang.get());
                            format!(" · {}", name.unwrap_or(code.as_str()))
                        }
                    }
                </dd>
                <dt>{tr(Text::Fee)}</dt>
                <dd>
                    {move || fee(lang.get(), fee_sen)}
                    " — "
                    {move || fee_note.get(lang.get()).to_owned()}
                    <br />
                    <strong>{tr(Text::CardOnly)}</strong>
                </dd>
            </dl>
            <section class="slip-docs">
                <h2>{tr(Text::DocumentsHeading)}</h2>
                <BilingualList items=documents />
            </section>
        </article>
    }
}

#[component]
fn Actions(
    appointment: Appointment,
    token: String,
    state: RwSignal<Option<Result<Appointment, Failure>>>,
    notice: RwSignal<Option<Text>>,
) -> impl IntoView {
    let lang = use_lang();
    let mode = RwSignal::new(Mode::View);
    let failure = RwSignal::new(None::<Failure>);
    let reference = appointment.reference.to_string();
    let active = appointment.status == AppointmentStatus::Booked;

    let download = {
        let (token, reference) = (token.clone(), reference.clone());
        Action::new_local(move |_: &()| {
            let (token, reference) = (token.clone(), reference.clone());
            async move { api::download_slip(lang.get_untracked(), &token, &reference).await }
        })
    };
    let cancel = {
        let (token, reference) = (token.clone(), reference.clone());
        Action::new_local(move |_: &()| {
            let (token, reference) = (token.clone(), reference.clone());
            async move { api::cancel(lang.get_untracked(), &token, &reference).await }
        })
    };
    let new_date = RwSignal::new(None::<NaiveDate>);
    let new_start = RwSignal::new(None::<String>);
    let reschedule = {
        let (token, reference) = (token.clone(), reference.clone());
        Action::new_local(move |(date, start): &(NaiveDate, String)| {
            let (token, reference, date, start) =
                (token.clone(), reference.clone(), *date, start.clone());
            async move { api::reschedule(lang.get_untracked(), &token, &reference, date, &start).await }
        })
    };
    let reload = RwSignal::new(0u32);
    let reschedule_error = RwSignal::new(None::<Text>);
    let settle = move |result: Option<Result<Appointment, Failure>>, done: Text| match result {
        Some(Ok(updated)) => {
            failure.set(None);
            mode.set(Mode::View);
            notice.set(Some(done));
            state.set(Some(Ok(updated)));
            // The button that was pressed is gone; the confirmation takes focus.
            request_animation_frame(|| focus_element("notice"));
        }
        Some(Err(f)) if f.kind() == Some(ProblemType::Unauthorized) => {
            Session::end();
            failure.set(Some(Failure::Local(Text::SignInAgain)));
        }
        Some(Err(f))
            if matches!(
                f.kind(),
                Some(ProblemType::SlotFull | ProblemType::NoSuchSlot)
            ) =>
        {
            // Taken meanwhile: show the times as they are now.
            new_start.set(None);
            reload.update(|n| *n += 1);
            reschedule_error.set(Some(Text::RescheduleTaken));
        }
        Some(Err(f)) => failure.set(Some(f)),
        None => {}
    };
    Effect::new(move |_| settle(cancel.value().get(), Text::Cancelled));
    Effect::new(move |_| settle(reschedule.value().get(), Text::Rescheduled));
    Effect::new(move |_| {
        if let Some(Err(f)) = download.value().get() {
            failure.set(Some(f));
        }
    });
    let pending =
        move || download.pending().get() || cancel.pending().get() || reschedule.pending().get();
    let status = Signal::derive(move || {
        if download.pending().get() {
            Some(Text::Downloading.get(lang.get()).to_owned())
        } else if cancel.pending().get() || reschedule.pending().get() {
            Some(Text::Sending.get(lang.get()).to_owned())
        } else {
            None
        }
    });
    // Keyboard and screen-reader users land on what just opened.
    Effect::new(move |_| {
        let target = match mode.get() {
            Mode::View => return,
            Mode::ConfirmCancel => "cancel-title",
            Mode::Reschedule => "reschedule-title",
        };
        request_animation_frame(move || focus_element(target));
    });
    let branch = appointment.branch.code.as_str().to_owned();
    let service = appointment.service.code.as_str().to_owned();

    view! {
        <div class="slip-actions no-print">
            <Alert failure />
            <Status text=status />
            // A slip that is no longer valid is not offered for printing.
            <Show when=move || active>
                <div class="button-row">
                    <button type="button" class="button" id="print-slip" on:click=move |_| {
                        if let Some(w) = web_sys::window() {
                            let _ = w.print();
                        }
                    }>
                        {tr(Text::Print)}
                    </button>
                    <button
                        type="button"
                        class="button secondary"
                        id="download-pdf"
                        disabled=pending
                        on:click=move |_| {
                            download.dispatch(());
                        }
                    >
                        {tr(Text::DownloadPdf)}
                    </button>
                    <button
                        type="button"
                        class="button secondary"
                        id="reschedule"
                        aria-expanded=move || if mode.get() == Mode::Reschedule { "true" } else { "false" }
                        on:click=move |_| mode.set(Mode::Reschedule)
                    >
                        {tr(Text::RescheduleAction)}
                    </button>
                    <button
                        type="button"
                        class="button warning"
                        id="cancel"
                        on:click=move |_| mode.set(Mode::ConfirmCancel)
                    >
                        {tr(Text::CancelAction)}
                    </button>
                </div>
            </Show>
            {
                let (branch, service) = (branch.clone(), service.clone());
                move || match mode.get() {
                    Mode::View => ().into_any(),
                    Mode::ConfirmCancel => {
                        view! {
                            <div class="notice warning" role="region" aria-labelledby="cancel-title" aria-describedby="cancel-body">
                                <h2 id="cancel-title" tabindex="-1">{tr(Text::CancelConfirmTitle)}</h2>
                                <p id="cancel-body">{tr(Text::CancelConfirmBody)}</p>
                                <div class="button-row">
                                    <button
                                        type="button"
                                        class="button warning"
                                        id="confirm-cancel"
                                        disabled=pending
                                        on:click=move |_| {
                                            cancel.dispatch(());
                                        }
                                    >
                                        {tr(Text::CancelConfirm)}
                                    </button>
                                    <button type="button" class="button secondary" id="keep" on:click=move |_| mode.set(Mode::View)>
                                        {tr(Text::KeepIt)}
                                    </button>
                                </div>
                            </div>
                        }
                            .into_any()
                    }
                    Mode::Reschedule => {
                        let on_submit = move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            match (new_date.get_untracked(), new_start.get_untracked()) {
                                (Some(date), Some(start)) => {
                                    reschedule_error.set(None);
                                    reschedule.dispatch((date, start));
                                }
                                _ => reschedule_error.set(Some(Text::ChooseSlot)),
                            }
                        };
                        view! {
                            <form class="panel" novalidate on:submit=on_submit>
                                <h2 id="reschedule-title" tabindex="-1">{tr(Text::RescheduleHeading)}</h2>
                                <SlotPicker
                                    branch=Signal::derive({
                                        let branch = branch.clone();
                                        move || branch.clone()
                                    })
                                    service=Signal::derive({
                                        let service = service.clone();
                                        move || service.clone()
                                    })
                                    date=new_date
                                    start=new_start
                                    reload
                                    error=Signal::derive(move || reschedule_error.get().map(|t| t.get(lang.get()).to_owned()))
                                />
                                <div class="button-row">
                                    <button type="button" class="button secondary" on:click=move |_| mode.set(Mode::View)>
                                        {tr(Text::Back)}
                                    </button>
                                    <button type="submit" class="button" id="confirm-reschedule" disabled=pending>
                                        {tr(Text::ConfirmReschedule)}
                                    </button>
                                </div>
                            </form>
                        }
                            .into_any()
                    }
                }
            }
        </div>
    }
}

/// The digits of a phone number (and a leading +), for a `tel:` link.
fn branch_phone_digits(phone: &str) -> String {
    phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}
