//! Choosing a date and time: a month calendar of open, full and closed days (with the reason),
//! then the chosen day's slots with the places left. Full slots cannot be chosen.

use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use leptos::prelude::*;
use temujanji_shared::Lang;
use temujanji_shared::wire::{Availability, ClockTime, ClosedKind, DayAvailability};

use crate::api;
use crate::i18n::{Text, long_date, month_name, seats_left, tr, use_lang, weekday_name};
use crate::waitlist::JoinWaitlist;

/// Today in Malaysia (UTC+8, no daylight saving), from the browser's clock. Only used to pick
/// the first month shown; the server decides what is bookable.
pub fn malaysia_today() -> NaiveDate {
    let ms = js_sys::Date::now() + 8.0 * 3_600_000.0;
    let days = (ms / 86_400_000.0).floor() as i64;
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(TimeDelta::days(days)))
        .unwrap_or_default()
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn last_of_month(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(first)
}

/// How a day looks on the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayState {
    Open,
    Full,
    /// Lottery mode: its seats are drawn among those who enter its draw.
    Lottery,
    Closed,
    Outside,
}

fn day_state(availability: &Availability, day: &DayAvailability) -> DayState {
    if day.date < availability.bookable_from || day.date > availability.bookable_until {
        DayState::Outside
    } else if day
        .closed_reason
        .as_ref()
        .is_some_and(|r| r.kind == ClosedKind::Lottery)
    {
        DayState::Lottery
    } else if !day.open {
        DayState::Closed
    } else if day.slots.iter().any(|s| s.remaining > 0) {
        DayState::Open
    } else {
        DayState::Full
    }
}

const WEEKDAYS: [(&str, &str); 7] = [
    ("Isn", "Mon"),
    ("Sel", "Tue"),
    ("Rab", "Wed"),
    ("Kha", "Thu"),
    ("Jum", "Fri"),
    ("Sab", "Sat"),
    ("Ahd", "Sun"),
];

/// The month calendar and the day's slots for `branch` and `service`.
#[component]
pub fn SlotPicker(
    #[prop(into)] branch: Signal<String>,
    #[prop(into)] service: Signal<String>,
    date: RwSignal<Option<NaiveDate>>,
    start: RwSignal<Option<String>>,
    /// Bumped to load the availability again (e.g. after a slot was taken meanwhile).
    #[prop(into)]
    reload: Signal<u32>,
    #[prop(into)] error: Signal<Option<String>>,
    /// Offer the waitlist on a full day (the apply journey; not when moving an appointment).
    #[prop(optional)]
    waitlist: bool,
) -> impl IntoView {
    let lang = use_lang();
    let month = RwSignal::new(first_of_month(
        date.get_untracked().unwrap_or_else(malaysia_today),
    ));
    let availability = LocalResource::new(move || {
        // The days and their reasons are bilingual: a language switch needs no new request.
        let (branch, service, first) = (branch.get(), service.get(), month.get());
        let lang = lang.get_untracked();
        reload.track();
        async move { api::availability(lang, &branch, &service, first, last_of_month(first)).await }
    });
    let shown = move || availability.get().and_then(Result::ok);
    let can_go = move |forward: bool| {
        shown().is_some_and(|a| {
            let first = month.get();
            if forward {
                last_of_month(first) < a.bookable_until
            } else {
                first > a.bookable_from
            }
        })
    };
    let go = move |forward: bool| {
        month.update(|m| {
            let next = if forward {
                m.checked_add_months(Months::new(1))
            } else {
                m.checked_sub_months(Months::new(1))
            };
            *m = next.unwrap_or(*m);
        });
        // At the end of the bookable window the pressed button turns disabled; keep keyboard
        // focus on the month it shows instead of losing it to the page.
        let first = month.get_untracked();
        let at_end = shown().is_some_and(|a| {
            if forward {
                last_of_month(first) >= a.bookable_until
            } else {
                first <= a.bookable_from
            }
        });
        if at_end {
            request_animation_frame(|| crate::fields::focus_element("calendar-month"));
        }
    };
    let focused = RwSignal::new(None::<NaiveDate>);
    let refocus = RwSignal::new(false);
    let pick_day = move |day: NaiveDate| {
        if date.get_untracked() != Some(day) {
            date.set(Some(day));
            start.set(None);
        }
    };

    view! {
        <div class="calendar" class:field-error=move || error.get().is_some()>
            <p class="hint" id="calendar-hint">{tr(Text::CalendarHelp)}</p>
            {move || error.get().map(|e| view! { <p class="error-message" id="slot-error">{e}</p> })}
            <div class="calendar-nav">
                <button
                    type="button"
                    class="button secondary"
                    disabled=move || !can_go(false)
                    on:click=move |_| go(false)
                    aria-label=tr(Text::PrevMonth)
                >
                    "‹"
                </button>
                <h2 id="calendar-month" class="month-title" tabindex="-1" aria-live="polite">
                    {move || {
                        let m = month.get();
                        format!("{} {}", month_name(lang.get(), m.month0()), m.year())
                    }}
                </h2>
                <button
                    type="button"
                    class="button secondary"
                    disabled=move || !can_go(true)
                    on:click=move |_| go(true)
                    aria-label=tr(Text::NextMonth)
                >
                    "›"
                </button>
            </div>
            <Suspense fallback=move || view! { <p role="status">{tr(Text::Loading)}</p> }>
                {move || {
                    availability
                        .get()
                        .map(|result| match result {
                            Err(failure) => {
                                view! {
                                    <p class="alert" role="alert">{failure.message(lang.get())}</p>
                                }
                                    .into_any()
                            }
                            Ok(a) => {
                                view! {
                                    <MonthGrid availability=a selected=date focused refocus month pick=pick_day waitlist />
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
            <SlotList availability=Signal::derive(shown) date start branch service waitlist error />
        </div>
    }
}

/// Whether a day's button does anything (the others are `aria-disabled`, still reachable by the
/// arrow keys so that their reason can be read).
fn can_pick(state: DayState, waitlist: bool) -> bool {
    state == DayState::Open || (waitlist && matches!(state, DayState::Full | DayState::Lottery))
}

/// The day the arrow keys move focus to from `from`, if the key is one of the grid's.
fn key_target(key: &str, from: NaiveDate) -> Option<NaiveDate> {
    let days = |n: i64| from.checked_add_signed(TimeDelta::days(n));
    let weekday = i64::from(from.weekday().num_days_from_monday());
    match key {
        "ArrowLeft" => days(-1),
        "ArrowRight" => days(1),
        "ArrowUp" => days(-7),
        "ArrowDown" => days(7),
        "Home" => days(-weekday),
        "End" => days(6 - weekday),
        "PageUp" => from.checked_sub_months(Months::new(1)),
        "PageDown" => from.checked_add_months(Months::new(1)),
        _ => None,
    }
}

/// Moves keyboard focus to the button of `date`, once it is on the page.
fn focus_day(date: NaiveDate) {
    request_animation_frame(move || {
        crate::fields::focus_selector(&format!(".day[data-date='{date}']"));
    });
}

/// The month as an ARIA grid: one Tab stop (the chosen day, or the first that can be chosen),
/// arrow keys between days, Home/End to the week's ends, PageUp/PageDown by month (the
/// calendar turns the page when focus leaves the month).
#[component]
fn MonthGrid(
    availability: Availability,
    selected: RwSignal<Option<NaiveDate>>,
    /// The day that has the Tab stop; kept by the picker across months.
    focused: RwSignal<Option<NaiveDate>>,
    /// Set when the arrow keys left the month: focus its day once the new month is shown.
    refocus: RwSignal<bool>,
    month: RwSignal<NaiveDate>,
    pick: impl Fn(NaiveDate) + Copy + Send + Sync + 'static,
    /// Full days can be chosen, to join their waitlist.
    waitlist: bool,
) -> impl IntoView {
    let lang = use_lang();
    let first = availability
        .days
        .first()
        .map(|d| d.date)
        .unwrap_or_default();
    let last = availability.days.last().map(|d| d.date).unwrap_or(first);
    let bookable_from = availability.bookable_from;
    let bookable_until = availability.bookable_until;
    // The Tab stop: the day focus was on, the chosen day, or the first that can be picked.
    let in_month = move |d: Option<NaiveDate>| d.filter(|d| (first..=last).contains(d));
    let tab_stop = in_month(focused.get_untracked())
        .or_else(|| in_month(selected.get_untracked()))
        .or_else(|| {
            availability
                .days
                .iter()
                .find(|d| can_pick(day_state(&availability, d), waitlist))
                .map(|d| d.date)
        })
        .unwrap_or(first);
    focused.set(Some(tab_stop));
    if refocus.get_untracked() {
        refocus.set(false);
        focus_day(tab_stop);
    }
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let Some(from) = focused.get_untracked() else {
            return;
        };
        let Some(to) = key_target(&ev.key(), from) else {
            return;
        };
        ev.prevent_default();
        // Not past the months the booking window touches.
        let window = first_of_month(bookable_from)..=last_of_month(first_of_month(bookable_until));
        if !window.contains(&to) {
            return;
        }
        focused.set(Some(to));
        if (first..=last).contains(&to) {
            focus_day(to);
        } else {
            // Another month: shown when its availability arrives, then focused.
            refocus.set(true);
            month.set(first_of_month(to));
        }
    };
    let closed: Vec<(NaiveDate, Text, String, String)> = availability
        .days
        .iter()
        .filter_map(|d| {
            let label = match day_state(&availability, d) {
                DayState::Closed => Text::DayClosed,
                DayState::Lottery => Text::DayLottery,
                _ => return None,
            };
            // Weekends are plain on the grid; holidays, closures and draws are named below it.
            d.closed_reason
                .as_ref()
                .filter(|r| r.kind != ClosedKind::Weekend)
                .map(|r| (d.date, label, r.name.ms.clone(), r.name.en.clone()))
        })
        .collect();
    let cell = move |day: &DayAvailability, state: DayState| {
        let date = day.date;
        let reason = day.closed_reason.as_ref().map(|r| r.name.clone());
        let enabled = can_pick(state, waitlist);
        // The accessible name is the button's own text: the visible day number and marker,
        // with the month, the weekday and the reason beside them for screen readers.
        let hidden_date = move || {
            let lang = lang.get();
            format!(
                " {} {}, {}",
                month_name(lang, date.month0()),
                date.year(),
                weekday_name(lang, date.weekday())
            )
        };
        let marker = move || match state {
            DayState::Open | DayState::Outside => "",
            DayState::Full => Text::DayFull.get(lang.get()),
            DayState::Lottery => Text::DayLottery.get(lang.get()),
            DayState::Closed => Text::DayClosed.get(lang.get()),
        };
        let why = move || {
            let lang = lang.get();
            match state {
                DayState::Open => format!(" — {}", Text::DayOpen.get(lang)),
                DayState::Full => String::new(),
                DayState::Outside if date < bookable_from => format!(
                    " — {}",
                    Text::BookableFrom
                        .get(lang)
                        .replace("{}", &long_date(lang, bookable_from))
                ),
                DayState::Outside => format!(" — {}", Text::DayOutside.get(lang)),
                DayState::Closed | DayState::Lottery => reason
                    .as_ref()
                    .map(|r| format!(" ({})", r.get(lang)))
                    .unwrap_or_default(),
            }
        };
        view! {
            <div role="gridcell">
                <button
                    type="button"
                    class=match state {
                        DayState::Open => "day open",
                        DayState::Full => "day full",
                        DayState::Lottery => "day lottery",
                        DayState::Closed => "day closed",
                        DayState::Outside => "day outside",
                    }
                    data-date=date.to_string()
                    tabindex=move || if focused.get() == Some(date) { "0" } else { "-1" }
                    aria-disabled=(!enabled).then_some("true")
                    aria-pressed=move || if selected.get() == Some(date) { "true" } else { "false" }
                    on:focus=move |_| focused.set(Some(date))
                    on:click=move |_| {
                        if enabled {
                            pick(date);
                        }
                    }
                >
                    <span class="day-number">{date.day()}</span>
                    <span class="visually-hidden">{hidden_date}</span>
                    <span class="day-marker">{marker}</span>
                    <span class="visually-hidden">{why}</span>
                </button>
            </div>
        }
    };
    // Weeks from Monday: blank cells before the first and after the last day.
    let leading = first.weekday().num_days_from_monday() as usize;
    let mut cells: Vec<Option<&DayAvailability>> = vec![None; leading];
    cells.extend(availability.days.iter().map(Some));
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    let weeks = cells
        .chunks(7)
        .map(|week| {
            let days = week
                .iter()
                .map(|day| match day {
                    Some(day) => cell(day, day_state(&availability, day)).into_any(),
                    None => view! { <div role="gridcell" class="pad"></div> }.into_any(),
                })
                .collect_view();
            view! { <div role="row" class="week">{days}</div> }
        })
        .collect_view();
    view! {
        <div
            class="month"
            role="grid"
            aria-labelledby="calendar-month"
            aria-describedby="calendar-hint"
            on:keydown=on_keydown
        >
            <div role="row" class="week">
                {WEEKDAYS
                    .iter()
                    .map(|(ms, en)| {
                        view! {
                            <span class="weekday" role="columnheader">
                                {move || if lang.get() == Lang::Ms { *ms } else { *en }}
                            </span>
                        }
                    })
                    .collect_view()}
            </div>
            {weeks}
        </div>
        <ul class="legend">
            <li><span class="swatch open"></span>{tr(Text::DayOpen)}</li>
            <li><span class="swatch full"></span>{tr(Text::DayFull)}</li>
            <li><span class="swatch closed"></span>{tr(Text::DayClosed)}</li>
            <li><span class="swatch outside"></span>{tr(Text::DayOutside)}</li>
        </ul>
        {(bookable_from > first && bookable_from <= last.succ_opt().unwrap_or(last))
            .then(|| {
                view! {
                    <p class="hint" id="lead-time">
                        {move || {
                            let lang = lang.get();
                            Text::BookableFrom.get(lang).replace("{}", &long_date(lang, bookable_from))
                        }}
                    </p>
                }
            })}
        {(!closed.is_empty())
            .then(|| {
                view! {
                    <ul class="closed-days">
                        {closed
                            .into_iter()
                            .map(|(date, label, ms, en)| {
                                view! {
                                    <li>
                                        {move || {
                                            let lang = lang.get();
                                            let name = if lang == Lang::Ms { &ms } else { &en };
                                            format!("{} — {} ({})", long_date(lang, date), label.get(lang), name)
                                        }}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
            })}
    }
}

#[component]
fn SlotList(
    availability: Signal<Option<Availability>>,
    date: RwSignal<Option<NaiveDate>>,
    start: RwSignal<Option<String>>,
    branch: Signal<String>,
    service: Signal<String>,
    waitlist: bool,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let day = move || {
        let date = date.get()?;
        availability
            .get()?
            .days
            .into_iter()
            .find(|d| d.date == date)
    };
    view! {
        <fieldset class="slots" aria-describedby=move || error.get().map(|_| "slot-error")>
            <legend>
                {move || match date.get() {
                    Some(d) => format!("{} — {}", Text::SlotsHeading.get(lang.get()), long_date(lang.get(), d)),
                    None => Text::SlotsHeading.get(lang.get()).to_owned(),
                }}
            </legend>
            {move || match day() {
                None => view! { <p class="hint">{tr(Text::ChooseDayFirst)}</p> }.into_any(),
                Some(day) if !day.slots.iter().any(|s| s.remaining > 0) => {
                    let full = day.open && !day.slots.is_empty();
                    let lottery = day
                        .closed_reason
                        .as_ref()
                        .filter(|r| r.kind == ClosedKind::Lottery)
                        .map(|r| r.name.clone());
                    match lottery {
                        Some(reason) => view! {
                            <p class="hint">{move || reason.get(lang.get()).to_owned()}</p>
                            {waitlist.then(|| view! { <JoinWaitlist service branch date=day.date lottery=true /> })}
                        }
                            .into_any(),
                        None => view! {
                            <p class="hint">{tr(Text::NoSlotsThatDay)}</p>
                            {(waitlist && full).then(|| view! { <JoinWaitlist service branch date=day.date /> })}
                        }
                            .into_any(),
                    }
                }
                Some(day) => {
                    day.slots
                        .into_iter()
                        .map(|slot| {
                            let value = slot.start.to_string();
                            let id = format!("slot-{}", value.replace(':', ""));
                            let full = slot.remaining <= 0;
                            let checked = {
                                let value = value.clone();
                                move || start.get().as_deref() == Some(value.as_str())
                            };
                            let chosen = value.clone();
                            view! {
                                <label class="slot" class:slot-full=full for=id.clone()>
                                    <input
                                        type="radio"
                                        name="slot"
                                        id=id.clone()
                                        value=value.clone()
                                        disabled=full
                                        prop:checked=checked
                                        on:change=move |_| start.set(Some(chosen.clone()))
                                    />
                                    <span class="slot-time">{format!("{}–{}", slot.start, slot.end)}</span>
                                    <span class="slot-seats">
                                        {move || {
                                            if full {
                                                Text::SlotFullShort.get(lang.get()).to_owned()
                                            } else {
                                                seats_left(lang.get(), slot.remaining)
                                            }
                                        }}
                                    </span>
                                </label>
                            }
                        })
                        .collect_view()
                        .into_any()
                }
            }}
        </fieldset>
    }
}

/// Free slots nearest to `wanted` (by time from it), at most `limit`: what to offer when the
/// chosen slot was taken meanwhile.
pub fn nearest_free(
    availability: &Availability,
    wanted_date: NaiveDate,
    wanted_start: &str,
    limit: usize,
) -> Vec<(NaiveDate, String, String)> {
    let Some(wanted) = ClockTime::parse(wanted_start).map(|t| wanted_date.and_time(t.time()))
    else {
        return Vec::new();
    };
    let mut free: Vec<(i64, NaiveDate, String, String)> = availability
        .days
        .iter()
        .filter(|d| {
            d.open && d.date >= availability.bookable_from && d.date <= availability.bookable_until
        })
        .flat_map(|d| {
            d.slots.iter().filter(|s| s.remaining > 0).map(move |s| {
                let distance = (d.date.and_time(s.start.time()) - wanted)
                    .num_minutes()
                    .abs();
                (distance, d.date, s.start.to_string(), s.end.to_string())
            })
        })
        .collect();
    free.sort();
    free.into_iter()
        .take(limit)
        .map(|(_, date, start, end)| (date, start, end))
        .collect()
}
