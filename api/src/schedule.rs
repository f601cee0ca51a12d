//! Opening hours and slots (R2, R3): pure functions over a branch's weekly hours, date-ranged
//! hour profiles, weekend, public holidays and closures.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use temujanji_shared::wire::{Bilingual, ClosedKind, ClosedReason};

/// One open counter period; breaks are the gaps between periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
}

/// Open periods per ISO weekday (1 = Monday … 7 = Sunday). A day with none is the weekend.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeekHours(BTreeMap<u32, Vec<Interval>>);

impl WeekHours {
    pub fn add(&mut self, weekday: u32, interval: Interval) {
        let day = self.0.entry(weekday).or_default();
        day.push(interval);
        day.sort_by_key(|i| i.opens);
    }

    fn on(&self, weekday: u32) -> &[Interval] {
        self.0.get(&weekday).map(Vec::as_slice).unwrap_or_default()
    }
}

/// Hours that replace the default week between two dates (e.g. Ramadan).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub hours: WeekHours,
}

/// Start and end of one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SlotTime {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// Everything that decides when one branch is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchSchedule {
    pub slot_minutes: i64,
    pub default_hours: WeekHours,
    pub profiles: Vec<Profile>,
    /// Public holidays of the branch's state and ad-hoc closures, by date.
    pub closed: BTreeMap<NaiveDate, ClosedReason>,
}

impl BranchSchedule {
    /// The slots of `date`, or why the branch is closed that day.
    pub fn day(&self, date: NaiveDate) -> Result<Vec<SlotTime>, ClosedReason> {
        if let Some(reason) = self.closed.get(&date) {
            return Err(reason.clone());
        }
        let hours = self
            .profiles
            .iter()
            .find(|p| p.from <= date && date <= p.to)
            .map_or(&self.default_hours, |p| &p.hours);
        let intervals = hours.on(date.weekday().number_from_monday());
        if intervals.is_empty() {
            return Err(ClosedReason {
                kind: ClosedKind::Weekend,
                name: Bilingual {
                    ms: "Hujung minggu".into(),
                    en: "Weekend".into(),
                },
            });
        }
        let length = TimeDelta::minutes(self.slot_minutes.max(1));
        let mut slots = Vec::new();
        for interval in intervals {
            let mut start = interval.opens;
            loop {
                // Only whole slots that end inside the open period, never past midnight.
                let (end, wrapped) = start.overflowing_add_signed(length);
                if wrapped != 0 || end > interval.closes {
                    break;
                }
                slots.push(SlotTime { start, end });
                start = end;
            }
        }
        Ok(slots)
    }
}

/// R2: the first and last day an appointment can be booked today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingWindow {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl BookingWindow {
    /// At `now` (Malaysian time): from today plus the branch's lead time up to today plus
    /// three calendar months, inclusive; but the day that enters the window today opens only
    /// at the service's `opens_at` (before it, the window ends where yesterday's did).
    pub fn new(now: NaiveDateTime, min_lead_days: i64, opens_at: NaiveTime) -> Self {
        let today = now.date();
        let first = today + TimeDelta::days(min_lead_days.max(0));
        let opened = if now.time() < opens_at {
            today.pred_opt().unwrap_or(today)
        } else {
            today
        };
        let last = opened.checked_add_months(Months::new(3)).unwrap_or(today);
        BookingWindow { first, last }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }

    pub fn closed_reason() -> ClosedReason {
        ClosedReason {
            kind: ClosedKind::OutsideBookingWindow,
            name: Bilingual {
                ms: "Di luar tempoh tempahan".into(),
                en: "Outside the booking window".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hh: u32, mm: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hh, mm, 0).expect("valid time")
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn peninsular_week() -> WeekHours {
        let mut week = WeekHours::default();
        for day in 1..=4 {
            week.add(
                day,
                Interval {
                    opens: t(8, 0),
                    closes: t(13, 0),
                },
            );
            week.add(
                day,
                Interval {
                    opens: t(14, 0),
                    closes: t(17, 0),
                },
            );
        }
        week.add(
            5,
            Interval {
                opens: t(14, 45),
                closes: t(17, 0),
            },
        );
        week.add(
            5,
            Interval {
                opens: t(8, 0),
                closes: t(12, 15),
            },
        );
        week
    }

    fn schedule() -> BranchSchedule {
        BranchSchedule {
            slot_minutes: 30,
            default_hours: peninsular_week(),
            profiles: vec![],
            closed: BTreeMap::new(),
        }
    }

    #[test]
    fn slots_fill_open_periods_and_skip_breaks() {
        // 2026-12-01 is a Tuesday.
        let slots = schedule().day(d(2026, 12, 1)).expect("open");
        assert_eq!(slots.len(), 10 + 6);
        assert_eq!(
            slots[0],
            SlotTime {
                start: t(8, 0),
                end: t(8, 30)
            }
        );
        assert!(
            slots
                .iter()
                .all(|s| s.end <= t(13, 0) || s.start >= t(14, 0))
        );
        assert_eq!(slots.last().map(|s| s.end), Some(t(17, 0)));
    }

    #[test]
    fn friday_prayer_break_and_partial_slots_are_left_out() {
        // 2026-12-04 is a Friday: 08:00–12:15 gives 8 whole slots (last ends 12:00),
        // 14:45–17:00 gives 4 (last ends 16:45).
        let slots = schedule().day(d(2026, 12, 4)).expect("open");
        assert_eq!(slots.len(), 8 + 4);
        assert!(
            slots
                .iter()
                .all(|s| s.end <= t(12, 15) || s.start >= t(14, 45))
        );
    }

    #[test]
    fn a_day_without_hours_is_the_weekend() {
        let reason = schedule().day(d(2026, 12, 5)).expect_err("Saturday");
        assert_eq!(reason.kind, ClosedKind::Weekend);
    }

    #[test]
    fn holidays_win_over_hours_and_profiles_replace_the_week() {
        let mut schedule = schedule();
        let holiday = ClosedReason {
            kind: ClosedKind::PublicHoliday,
            name: Bilingual {
                ms: "Hari Krismas".into(),
                en: "Christmas Day".into(),
            },
        };
        schedule.closed.insert(d(2026, 12, 25), holiday.clone());
        let mut ramadan = WeekHours::default();
        ramadan.add(
            2,
            Interval {
                opens: t(8, 0),
                closes: t(9, 0),
            },
        );
        schedule.profiles.push(Profile {
            from: d(2026, 12, 8),
            to: d(2026, 12, 9),
            hours: ramadan,
        });
        assert_eq!(schedule.day(d(2026, 12, 25)), Err(holiday));
        assert_eq!(schedule.day(d(2026, 12, 8)).expect("open").len(), 2);
        assert_eq!(
            schedule.day(d(2026, 12, 9)).expect_err("no Wed hours").kind,
            ClosedKind::Weekend
        );
        assert_eq!(
            schedule.day(d(2026, 12, 15)).expect("default week").len(),
            16
        );
    }

    #[test]
    fn the_window_runs_from_the_lead_time_to_three_calendar_months() {
        let window = BookingWindow::new(d(2026, 11, 30).and_time(t(0, 0)), 1, t(0, 0));
        assert_eq!(window.first, d(2026, 12, 1));
        assert_eq!(window.last, d(2027, 2, 28));
        assert!(!window.contains(d(2026, 11, 30)), "no same-day booking");
        assert!(window.contains(d(2027, 2, 28)));
        assert!(!window.contains(d(2027, 3, 1)));
    }

    #[test]
    fn the_newest_day_opens_at_the_services_time() {
        let ten = t(10, 0);
        let before = BookingWindow::new(d(2026, 12, 5).and_time(t(9, 59)), 1, ten);
        assert_eq!((before.first, before.last), (d(2026, 12, 6), d(2027, 3, 4)));
        let at = BookingWindow::new(d(2026, 12, 5).and_time(ten), 1, ten);
        assert_eq!((at.first, at.last), (d(2026, 12, 6), d(2027, 3, 5)));
        // Midnight (the default) opens the day as the date changes.
        let midnight = BookingWindow::new(d(2026, 12, 5).and_time(t(0, 0)), 1, t(0, 0));
        assert_eq!(midnight.last, d(2027, 3, 5));
    }
}
