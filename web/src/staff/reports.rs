//! Reports for supervisors (their branch) and administrators (any branch, or all): outcomes,
//! seat utilisation per day and per hour of day as SVG charts, unmet demand, and a CSV
//! download.

use leptos::prelude::*;
use temujanji_shared::mykad::malaysia_today as today;
use temujanji_shared::staff::Report;

use super::texts::{StaffText, st};
use super::{BranchChoice, Signed, client};
use crate::api::Failure;
use crate::fields::Alert;
use crate::i18n::use_lang;
use crate::pages::PageHeading;

fn percent(taken: i64, capacity: i64) -> String {
    if capacity > 0 {
        format!("{:.0}%", taken as f64 * 100.0 / capacity as f64)
    } else {
        "–".to_owned()
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let lang = use_lang();
    let signed = expect_context::<Signed>();
    let branch = RwSignal::new(String::new());
    let to = RwSignal::new((today() + chrono::TimeDelta::days(14)).to_string());
    let from = RwSignal::new((today() - chrono::TimeDelta::days(14)).to_string());
    let failure = RwSignal::new(None::<Failure>);
    let load = Action::new_local(move |(branch, from, to): &(String, String, String)| {
        let (branch, from, to) = (branch.clone(), from.clone(), to.clone());
        async move { client::report(lang.get_untracked(), Some(&branch), &from, &to).await }
    });
    let download = Action::new_local(move |(branch, from, to): &(String, String, String)| {
        let (branch, from, to) = (branch.clone(), from.clone(), to.clone());
        async move { client::download_report(lang.get_untracked(), Some(&branch), &from, &to).await }
    });
    let report = RwSignal::new(None::<Report>);
    Effect::new(move |_| match load.value().get() {
        Some(Ok(r)) => {
            failure.set(None);
            report.set(Some(r));
        }
        Some(Err(f)) => {
            signed.check(&f);
            failure.set(Some(f));
            super::focus_soon("report-alert");
        }
        None => {}
    });
    // The first report shows as soon as the branch is known.
    Effect::new(move |_| {
        let b = branch.get();
        if !b.is_empty() {
            load.dispatch((b, from.get_untracked(), to.get_untracked()));
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        load.dispatch((
            branch.get_untracked(),
            from.get_untracked(),
            to.get_untracked(),
        ));
    };
    let heading = Signal::derive(move || StaffText::ReportsHeading.get(lang.get()).to_owned());
    view! {
        <PageHeading text=heading />
        <BranchChoice branch />
        <form class="report-form" novalidate on:submit=on_submit>
            <div class="field">
                <label for="report-from">{st(StaffText::From)}</label>
                <input id="report-from" type="date" prop:value=move || from.get()
                    on:input=move |ev| from.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="report-to">{st(StaffText::To)}</label>
                <input id="report-to" type="date" prop:value=move || to.get()
                    on:input=move |ev| to.set(event_target_value(&ev)) />
            </div>
            <div class="button-row">
                <button id="report-show" type="submit" class="button">{st(StaffText::Show)}</button>
                <button type="button" class="button secondary" id="report-csv"
                    on:click=move |_| {
                        download.dispatch((branch.get_untracked(), from.get_untracked(), to.get_untracked()));
                    }>
                    {st(StaffText::DownloadCsv)}
                </button>
            </div>
        </form>
        <div id="report-alert" tabindex="-1"><Alert failure /></div>
        {move || report.get().map(|r| view! { <ReportView report=r /> })}
    }
}

#[component]
fn ReportView(report: Report) -> impl IntoView {
    let totals = report.totals;
    let figures = [
        (StaffText::Booked, totals.booked.to_string()),
        (StaffText::Served, totals.served.to_string()),
        (StaffText::NoShows, totals.no_show.to_string()),
        (StaffText::Cancelled, totals.cancelled.to_string()),
        (StaffText::Late, totals.late.to_string()),
        (StaffText::Capacity, report.capacity.to_string()),
        (StaffText::SeatsTaken, report.seats_taken.to_string()),
        (
            StaffText::Utilisation,
            percent(report.seats_taken, report.capacity),
        ),
        (StaffText::UnmetDemand, report.refused_full.to_string()),
    ];
    let lang = use_lang();
    let days: Vec<(String, i64, i64)> = report
        .days
        .iter()
        .map(|d| (d.date.format("%d").to_string(), d.seats_taken, d.capacity))
        .collect();
    let hours: Vec<(String, i64, i64)> = report
        .hours
        .iter()
        .map(|h| (format!("{:02}", h.hour), h.seats_taken, h.capacity))
        .collect();
    view! {
        <section class="panel" aria-labelledby="report-totals">
            <h2 id="report-totals">{format!("{} – {}", report.from, report.to)}</h2>
            <dl class="counts" id="report-figures">
                {figures.into_iter().map(|(label, value)| view! {
                    <div class="count"><dt>{move || label.get(lang.get())}</dt><dd>{value}</dd></div>
                }).collect_view()}
            </dl>
        </section>
        <section class="panel" aria-labelledby="chart-days">
            <h2 id="chart-days">{st(StaffText::PerDay)}</h2>
            <p class="hint">{st(StaffText::ChartLegend)}</p>
            <BarChart id="chart-per-day" bars=days title=StaffText::PerDay />
        </section>
        <section class="panel" aria-labelledby="chart-hours">
            <h2 id="chart-hours">{st(StaffText::PerHour)}</h2>
            <BarChart id="chart-per-hour" bars=hours title=StaffText::PerHour />
        </section>
    }
}

/// Bars of seats taken (dark) over capacity (light), one per label, as SVG with a text
/// alternative: each bar has a `<title>` and the figures are listed for screen readers.
#[component]
fn BarChart(id: &'static str, bars: Vec<(String, i64, i64)>, title: StaffText) -> impl IntoView {
    let lang = use_lang();
    const HEIGHT: f64 = 160.0;
    const BAR: f64 = 18.0;
    const GAP: f64 = 6.0;
    let max = bars.iter().map(|(_, _, c)| *c).max().unwrap_or(0).max(1) as f64;
    let width = (bars.len() as f64 * (BAR + GAP)).max(BAR);
    let described = format!("{id}-figures");
    let list = bars.clone();
    view! {
        <div class="chart">
            <svg
                id=id
                role="img"
                aria-labelledby=format!("{id}-title")
                aria-describedby=described.clone()
                viewBox=format!("0 0 {width} {}", HEIGHT + 30.0)
                width=width
                height=HEIGHT + 30.0
            >
                <title id=format!("{id}-title")>{move || title.get(lang.get())}</title>
                {bars.into_iter().enumerate().map(|(n, (label, taken, capacity))| {
                    let x = n as f64 * (BAR + GAP);
                    let cap_h = capacity as f64 / max * HEIGHT;
                    let taken_h = taken as f64 / max * HEIGHT;
                    view! {
                        <g>
                            <title>{format!("{label}: {taken} / {capacity}")}</title>
                            <rect x=x y=HEIGHT - cap_h width=BAR height=cap_h class="bar-capacity" />
                            <rect x=x y=HEIGHT - taken_h width=BAR height=taken_h class="bar-taken" />
                            <text x=x + BAR / 2.0 y=HEIGHT + 14.0 text-anchor="middle" class="bar-label">{label}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <ul class="visually-hidden" id=described>
                {list.into_iter().map(|(label, taken, capacity)| view! {
                    <li>{format!("{label}: {taken} / {capacity} ({})", percent(taken, capacity))}</li>
                }).collect_view()}
            </ul>
        </div>
    }
}
