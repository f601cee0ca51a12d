//! The waitlist of a full day in the apply journey: joining it from the calendar, and the
//! seat held by an offer (the offer e-mail links to `/apply?offer=ID`). Its words are its own,
//! so that they ship with the apply page, not in the first download.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use temujanji_shared::Lang;
use temujanji_shared::wire::WaitlistEntry;

use crate::api::{self, Failure};
use crate::i18n::{long_date, texts, use_lang};
use crate::session::Session;

texts! { WaitText {
    Join => "Sertai senarai menunggu hari ini", "Join the waitlist for this day";
    JoinHint => "Jika ada tempat kosong pada hari ini, kami mengkhaskannya untuk orang pertama dalam senarai menunggu untuk masa yang singkat dan menghantar pautan melalui e-mel. Tempah sebelum masa yang dinyatakan dalam e-mel itu.",
        "If a seat on this day frees up, we hold it for the first person on the waitlist for a short time and send them a link by e-mail. Book it before the time given in that e-mail.";
    Joining => "Menyertai senarai menunggu…", "Joining the waitlist…";
    Leave => "Tinggalkan senarai menunggu", "Leave the waitlist";
    Leaving => "Meninggalkan senarai menunggu…", "Leaving the waitlist…";
    HasLeft => "Anda telah meninggalkan senarai menunggu hari ini.", "You have left the waitlist for this day.";
    OfferHeading => "Tempat dikhaskan untuk anda", "A seat is held for you";
    OfferGone => "Tawaran ini tidak lagi sah: tempohnya telah tamat atau tempat itu telah ditempah. Anda boleh memilih masa lain.",
        "This offer is no longer open: it expired or the seat was booked. You can choose another time.";
    CheckingOffer => "Menyemak tawaran anda…", "Checking your offer…";
    EnterDraw => "Sertai cabutan undi hari ini", "Enter the draw for this day";
    DrawHint => "Tempat pada hari ini diundi dalam kalangan mereka yang menyertai cabutan sebelum masa cabutan. Jika anda menang, kami menghantar pautan melalui e-mel untuk mengesahkan tempat anda sebelum masa yang dinyatakan.",
        "The seats of this day are drawn among those who enter before the draw. If you win, we e-mail you a link to confirm your seat before the time given.";
    LeaveDraw => "Tarik diri daripada cabutan", "Withdraw from the draw";
}}

/// Malaysian wall-clock time of an instant (UTC+8, no daylight saving).
fn malaysian(at: DateTime<Utc>) -> String {
    (at.naive_utc() + TimeDelta::hours(8))
        .format("%H:%M")
        .to_string()
}

fn place_text(lang: Lang, entry: &WaitlistEntry) -> String {
    let date = long_date(lang, entry.date);
    if let Some(at) = entry.draw_at {
        let at = malaysian(at);
        return match lang {
            Lang::Ms => format!(
                "Anda menyertai cabutan undi untuk {date}. Cabutan dibuat pada {at}; jika anda menang, kami menghantar pautan melalui e-mel untuk mengesahkan tempat anda."
            ),
            Lang::En => format!(
                "You are in the draw for {date}. It is drawn at {at}; if you win, we e-mail you a link to confirm your seat."
            ),
        };
    }
    let position = entry.position.unwrap_or(1);
    match lang {
        Lang::Ms => format!(
            "Anda berada di tempat ke-{position} dalam senarai menunggu untuk {date}. Kami akan menghantar e-mel jika ada tempat kosong."
        ),
        Lang::En => format!(
            "You are number {position} on the waitlist for {date}. We will e-mail you if a seat frees up."
        ),
    }
}

/// A seat held for the signed-in applicant by a waitlist offer.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOffer {
    pub id: i64,
    pub service: String,
    pub branch: String,
    pub date: NaiveDate,
    pub start: String,
    pub end: String,
    pub expires_at: DateTime<Utc>,
}

impl HeldOffer {
    /// The offer of place `id` among the signed-in applicant's places, if it is still open.
    pub fn find(entries: Vec<WaitlistEntry>, id: i64) -> Option<HeldOffer> {
        let entry = entries.into_iter().find(|e| e.id == id)?;
        let offer = entry.offer?;
        Some(HeldOffer {
            id,
            service: entry.service.as_str().to_owned(),
            branch: entry.branch.as_str().to_owned(),
            date: entry.date,
            start: offer.start.to_string(),
            end: offer.end.to_string(),
            expires_at: offer.expires_at,
        })
    }

    /// Whether a booking of this slot is the one the offer holds.
    pub fn holds(
        &self,
        service: &str,
        branch: &str,
        date: Option<NaiveDate>,
        start: Option<&str>,
    ) -> bool {
        self.service == service
            && self.branch == branch
            && date == Some(self.date)
            && start == Some(self.start.as_str())
    }

    fn text(&self, lang: Lang) -> String {
        let (date, until) = (long_date(lang, self.date), malaysian(self.expires_at));
        let (start, end) = (&self.start, &self.end);
        match lang {
            Lang::Ms => format!(
                "{date}, {start}–{end}. Tempat ini dikhaskan untuk anda sehingga {until}. Isi butiran anda dan sahkan untuk menempahnya."
            ),
            Lang::En => format!(
                "{date}, {start}–{end}. It is held for you until {until}. Enter your details and confirm to book it."
            ),
        }
    }
}

/// What the offer in the page's address came to.
#[derive(Debug, Clone, PartialEq)]
pub enum OfferState {
    Checking,
    Held(HeldOffer),
    Gone,
    Failed(Failure),
}

/// The panel that states the offer being booked, or why it cannot be.
#[component]
pub fn OfferPanel(state: RwSignal<Option<OfferState>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        let lang = lang.get();
        state.get().map(|state| match state {
            OfferState::Checking => {
                view! { <p class="hint" role="status">{WaitText::CheckingOffer.get(lang)}</p> }
                    .into_any()
            }
            OfferState::Held(offer) => view! {
                <section class="panel offer" aria-labelledby="offer-heading" role="status">
                    <h2 id="offer-heading">{WaitText::OfferHeading.get(lang)}</h2>
                    <p>{offer.text(lang)}</p>
                </section>
            }
            .into_any(),
            OfferState::Gone => {
                view! { <p class="alert" role="alert">{WaitText::OfferGone.get(lang)}</p> }
                    .into_any()
            }
            OfferState::Failed(failure) => {
                view! { <p class="alert" role="alert">{failure.message(lang)}</p> }.into_any()
            }
        })
    }
}

/// Loads the signed-in applicant's offer `id` into `state`.
pub fn check_offer(lang: Lang, id: i64, state: RwSignal<Option<OfferState>>) {
    let Some(session) = Session::current() else {
        return;
    };
    state.set(Some(OfferState::Checking));
    spawn_local(async move {
        let found = match api::waitlist(lang, &session.token).await {
            Ok(entries) => match HeldOffer::find(entries, id) {
                Some(offer) => OfferState::Held(offer),
                None => OfferState::Gone,
            },
            Err(failure) => OfferState::Failed(failure),
        };
        state.set(Some(found));
    });
}

/// On a full day: join its waitlist, see the place, leave it.
#[component]
pub fn JoinWaitlist(
    #[prop(into)] service: Signal<String>,
    #[prop(into)] branch: Signal<String>,
    date: NaiveDate,
    /// The day is drawn by lottery: joining enters its draw.
    #[prop(optional)]
    lottery: bool,
) -> impl IntoView {
    let (join_text, hint_text, leave_text) = if lottery {
        (WaitText::EnterDraw, WaitText::DrawHint, WaitText::LeaveDraw)
    } else {
        (WaitText::Join, WaitText::JoinHint, WaitText::Leave)
    };
    let lang = use_lang();
    let place = RwSignal::new(None::<WaitlistEntry>);
    let failure = RwSignal::new(None::<Failure>);
    let left = RwSignal::new(false);
    let join = Action::new_local(move |_: &()| {
        let (service, branch) = (service.get_untracked(), branch.get_untracked());
        let lang = lang.get_untracked();
        async move {
            let token = Session::current()
                .map(|s| s.token)
                .ok_or(Failure::Local(crate::i18n::Text::SignInAgain))?;
            api::join_waitlist(lang, &token, &service, &branch, date).await
        }
    });
    let leave = Action::new_local(move |id: &i64| {
        let (id, lang) = (*id, lang.get_untracked());
        async move {
            let token = Session::current()
                .map(|s| s.token)
                .ok_or(Failure::Local(crate::i18n::Text::SignInAgain))?;
            api::leave_waitlist(lang, &token, id).await
        }
    });
    Effect::new(move |_| match join.value().get() {
        Some(Ok(entry)) => {
            failure.set(None);
            left.set(false);
            place.set(Some(entry));
            request_animation_frame(|| crate::fields::focus_element("waitlist-place"));
        }
        Some(Err(f)) => failure.set(Some(f)),
        None => {}
    });
    Effect::new(move |_| match leave.value().get() {
        Some(Ok(())) => {
            place.set(None);
            left.set(true);
            request_animation_frame(|| crate::fields::focus_element("waitlist-left"));
        }
        Some(Err(f)) => failure.set(Some(f)),
        None => {}
    });
    let busy = move || join.pending().get() || leave.pending().get();
    view! {
        <div class="panel waitlist">
            {move || {
                let lang = lang.get();
                match place.get() {
                    Some(entry) => {
                        let id = entry.id;
                        view! {
                            <p id="waitlist-place" tabindex="-1" role="status">{place_text(lang, &entry)}</p>
                            <button
                                type="button"
                                class="button secondary"
                                disabled=busy
                                on:click=move |_| {
                                    leave.dispatch(id);
                                }
                            >
                                {leave_text.get(lang)}
                            </button>
                        }
                            .into_any()
                    }
                    None => view! {
                        {left.get().then(|| view! {
                            <p id="waitlist-left" tabindex="-1" role="status">{WaitText::HasLeft.get(lang)}</p>
                        })}
                        <p class="hint" id="waitlist-hint">{hint_text.get(lang)}</p>
                        <button
                            type="button"
                            class="button secondary"
                            aria-describedby="waitlist-hint"
                            disabled=busy
                            on:click=move |_| {
                                join.dispatch(());
                            }
                        >
                            {join_text.get(lang)}
                        </button>
                    }
                        .into_any(),
                }
            }}
            {move || {
                busy().then(|| {
                    let text = if leave.pending().get() { WaitText::Leaving } else { WaitText::Joining };
                    view! { <p role="status">{move || text.get(lang.get())}</p> }
                })
            }}
            {move || failure.get().map(|f| view! { <p class="alert" role="alert">{f.message(lang.get())}</p> })}
        </div>
    }
}
