//! The journey's state: which step is shown (from the address, `?step=`, so that each step has
//! its own history entry and Android's back button moves between steps), everything chosen and
//! typed (one signal each, in one [`Journey`] shared by the steps as context), and the draft
//! that keeps it in `sessionStorage`, so that a reload or a tab the phone killed and restored
//! comes back to the same step with every value.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde::{Deserialize, Serialize};
use temujanji_shared::form::BookingForm;
use temujanji_shared::wire::IdType;

use super::details::Details;
use super::texts::ApplyText;
use crate::i18n::Text;
use crate::session::Session;
use crate::waitlist::HeldOffer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    Email,
    Code,
    Service,
    Slot,
    Details,
    Review,
}

impl Step {
    pub(super) const ALL: [Step; 6] = [
        Step::Email,
        Step::Code,
        Step::Service,
        Step::Slot,
        Step::Details,
        Step::Review,
    ];

    pub(super) fn title(self) -> ApplyText {
        match self {
            Step::Email => ApplyText::StepEmail,
            Step::Code => ApplyText::StepCode,
            Step::Service => ApplyText::StepService,
            Step::Slot => ApplyText::StepSlot,
            Step::Details => ApplyText::StepDetails,
            Step::Review => ApplyText::StepReview,
        }
    }

    pub(super) fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    /// Its name in the address (`/apply?step=slot`).
    fn code(self) -> &'static str {
        match self {
            Step::Email => "email",
            Step::Code => "code",
            Step::Service => "service",
            Step::Slot => "slot",
            Step::Details => "details",
            Step::Review => "review",
        }
    }

    fn from_code(code: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The router's `navigate`, kept so that the journey can stay `Copy`.
type Navigate = Box<dyn Fn(&str, NavigateOptions)>;

/// Everything the journey knows, shared by its steps (`Journey::use_context`).
#[derive(Clone, Copy)]
pub(super) struct Journey {
    /// The step shown: the one the address names, or the furthest that what is filled in
    /// allows, whichever comes first.
    pub step: Memo<Step>,
    pub email: RwSignal<String>,
    pub session: RwSignal<Option<Session>>,
    /// When another code may be asked for (ms since the epoch).
    pub resend_at: RwSignal<f64>,
    pub service: RwSignal<String>,
    pub branch: RwSignal<String>,
    pub date: RwSignal<Option<NaiveDate>>,
    pub start: RwSignal<Option<String>>,
    pub details: Details,
    /// Bumped to reload the slots (after one was taken).
    pub reload: RwSignal<u32>,
    /// Kept for the whole journey: a retry after a lost answer, even after going back to
    /// change nothing or signing in again, reuses the key and gets the first answer.
    pub keyed: RwSignal<Option<(BookingForm, String)>>,
    /// Why the journey went back a step (an expired sign-in), and where to return after it.
    pub page_notice: RwSignal<Option<Text>>,
    pub return_to: RwSignal<Option<Step>>,
    /// A seat held for the applicant by a waitlist offer (`?offer=ID`).
    pub offer: RwSignal<Option<HeldOffer>>,
    /// Set once the booking is made: the draft is gone and leaving asks nothing.
    pub finished: RwSignal<bool>,
    navigate: StoredValue<Navigate, LocalStorage>,
}

impl Journey {
    pub(super) fn use_context() -> Journey {
        expect_context::<Journey>()
    }

    /// A journey from the draft of this tab, if any, at the step the address names.
    pub(super) fn new() -> Journey {
        let Draft {
            email,
            resend_at,
            service,
            branch,
            date,
            start,
            details,
        } = Draft::load().unwrap_or_default();
        let session = RwSignal::new(Session::current());
        // Signed in (the journey goes on past the e-mail): the draft's address, else the
        // session's. Otherwise what was just typed into the page's first paint, else the
        // draft's.
        let typed = crate::first_paint::take_typed("email");
        let email = match session.get_untracked() {
            Some(signed_in) if email.is_empty() => signed_in.email,
            Some(_) => email,
            None => typed.unwrap_or(email),
        };
        let details = Details::new(details);
        let navigate = use_navigate();
        let query = use_query_map();
        let email = RwSignal::new(email);
        let service = RwSignal::new(service);
        let branch = RwSignal::new(branch);
        let date = RwSignal::new(date);
        let start = RwSignal::new(start);
        let step = Memo::new(move |_| {
            let furthest = furthest(session, email, service, branch, date, start, details);
            let asked = query.with(|q| q.get("step").and_then(|s| Step::from_code(&s)));
            let first = if session.get().is_some() {
                Step::Service
            } else {
                Step::Email
            };
            asked.unwrap_or(first).min(furthest)
        });
        let journey = Journey {
            step,
            email,
            session,
            resend_at: RwSignal::new(resend_at),
            service,
            branch,
            date,
            start,
            details,
            reload: RwSignal::new(0),
            keyed: RwSignal::new(None),
            page_notice: RwSignal::new(None),
            return_to: RwSignal::new(None),
            offer: RwSignal::new(None),
            finished: RwSignal::new(false),
            navigate: StoredValue::new_local(Box::new(navigate)),
        };
        journey.keep_address_true(query);
        journey.keep_draft();
        journey
    }

    /// Moves to `step` with a new history entry, so that Back returns here.
    pub(super) fn go(&self, step: Step) {
        self.navigate_to(step, false);
    }

    /// Shows `step` in place of the current history entry (a correction, not a move).
    fn replace(&self, step: Step) {
        self.navigate_to(step, true);
    }

    fn navigate_to(&self, step: Step, replace: bool) {
        let url = step_url(step);
        self.navigate.with_value(|navigate| {
            navigate(
                &url,
                NavigateOptions {
                    replace,
                    scroll: true,
                    ..Default::default()
                },
            )
        });
    }

    /// The address always names the step shown: a step asked for that cannot be shown yet
    /// (a reload after the session ended, a shared link) is replaced by the one that is.
    fn keep_address_true(&self, query: Memo<leptos_router::params::ParamsMap>) {
        let journey = *self;
        Effect::new(move |_| {
            let shown = journey.step.get();
            let asked = query.with(|q| q.get("step"));
            // Only while the journey is the page: not on the way to the slip or elsewhere.
            let here = web_sys::window()
                .and_then(|w| w.location().pathname().ok())
                .is_some_and(|path| path == "/apply");
            if here && !journey.finished.get_untracked() && asked.as_deref() != Some(shown.code()) {
                journey.replace(shown);
            }
        });
    }

    /// Writes the draft whenever something in it changes, until the booking is made.
    fn keep_draft(&self) {
        let journey = *self;
        Effect::new(move |_| {
            let draft = Draft {
                email: journey.email.get(),
                resend_at: journey.resend_at.get(),
                service: journey.service.get(),
                branch: journey.branch.get(),
                date: journey.date.get(),
                start: journey.start.get(),
                details: journey.details.draft(),
            };
            if !journey.finished.get() {
                draft.save();
            }
        });
    }

    /// Whether leaving now would lose something the applicant chose or typed.
    pub(super) fn has_unsaved(&self) -> bool {
        !self.finished.get_untracked()
            && (self.start.get_untracked().is_some() || self.details.has_typed())
    }

    /// Whether anything was chosen yet (so that "start again" means something).
    pub(super) fn has_started(&self) -> bool {
        !self.service.get().is_empty() || self.details.has_typed_tracked()
    }

    /// Forgets everything and goes back to the first step (the session stays: the e-mail is
    /// still verified).
    pub(super) fn start_again(&self) {
        Draft::clear();
        self.service.set(String::new());
        self.branch.set(String::new());
        self.date.set(None);
        self.start.set(None);
        self.details.restore(&DraftDetails::default());
        self.keyed.set(None);
        self.page_notice.set(None);
        self.return_to.set(None);
        let first = if self.session.get_untracked().is_some() {
            Step::Service
        } else {
            Step::Email
        };
        self.go(first);
    }

    /// The booking is made: the draft goes, and leaving asks nothing.
    pub(super) fn finish(&self) {
        self.finished.set(true);
        Draft::clear();
    }
}

/// The furthest step that what is filled in allows.
fn furthest(
    session: RwSignal<Option<Session>>,
    email: RwSignal<String>,
    service: RwSignal<String>,
    branch: RwSignal<String>,
    date: RwSignal<Option<NaiveDate>>,
    start: RwSignal<Option<String>>,
    details: Details,
) -> Step {
    if session.get().is_none() {
        return if email.get().is_empty() {
            Step::Email
        } else {
            Step::Code
        };
    }
    if service.get().is_empty() || branch.get().is_empty() {
        return Step::Service;
    }
    if date.get().is_none() || start.get().is_none() {
        return Step::Slot;
    }
    if details.form(email.get()).parse().is_err() {
        return Step::Details;
    }
    Step::Review
}

/// `/apply?step=…`, keeping the address's other parameters (`offer`).
fn step_url(step: Step) -> String {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let mut pairs: Vec<String> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("step="))
        .map(str::to_owned)
        .collect();
    pairs.push(format!("step={}", step.code()));
    format!("/apply?{}", pairs.join("&"))
}

const DRAFT_KEY: &str = "temujanji.apply";

/// What the journey keeps in `sessionStorage`: gone when the tab closes, on booking and on
/// "start again".
#[derive(Debug, Default, Serialize, Deserialize)]
struct Draft {
    email: String,
    resend_at: f64,
    service: String,
    branch: String,
    date: Option<NaiveDate>,
    start: Option<String>,
    details: DraftDetails,
}

/// The applicant's typed details, as typed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct DraftDetails {
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub nationality: String,
    pub line1: String,
    pub line2: String,
    pub postcode: String,
    pub city: String,
    pub state: String,
    pub phone: String,
}

impl Default for DraftDetails {
    fn default() -> Self {
        DraftDetails {
            name: String::new(),
            id_type: IdType::Mykad.code().to_owned(),
            id_number: String::new(),
            nationality: String::new(),
            line1: String::new(),
            line2: String::new(),
            postcode: String::new(),
            city: String::new(),
            state: String::new(),
            phone: String::new(),
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

impl Draft {
    fn load() -> Option<Draft> {
        let json = storage()?.get_item(DRAFT_KEY).ok().flatten()?;
        serde_json::from_str(&json).ok()
    }

    fn save(&self) {
        if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(self)) {
            let _ = storage.set_item(DRAFT_KEY, &json);
        }
    }

    fn clear() {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(DRAFT_KEY);
        }
    }
}

/// Asks before the tab is closed or reloaded away from unsaved choices (the browser words the
/// question; a reload keeps the draft anyway).
pub(super) fn ask_before_leaving(journey: Journey) {
    let handle = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if journey.has_unsaved() {
            ev.prevent_default();
            ev.set_return_value("");
        }
    });
    on_cleanup(move || handle.remove());
}
