//! Lottery mode, per service, for hot releases (`temujanji service lottery CODE MINUTES
//! HOURS`): the day that opens today is not first come, first served. For `MINUTES` after it
//! opens, applicants enter its draw (a place on its waitlist, `waitlist::join`) and nobody can
//! book it; then one instance draws it: the entries are ranked at random from a recorded seed
//! ([`order`], reproducible by anyone from the audit log) in rounds by client network
//! ([`in_rounds_by_network`]: no network's second entry before every network's first), and
//! each free seat of the day is
//! held for the next drawn entry, to be confirmed within `HOURS` (an unconfirmed seat moves to
//! the next drawn, by the waitlist's sweep).
//!
//! One draw per service, branch and day: the primary key of `lottery_draws`, inserted first in
//! the draw's transaction, so concurrent instances cannot draw twice.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};
use diesel::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use temujanji_shared::wire::{Bilingual, ClosedKind, ClosedReason, WaitlistStatus};

use super::seats::{ValidSlot, claim_seat, ensure_slot, give_back};
use super::waitlist::{self, Offers};
use super::{BookingError, transact};
use crate::authz::Principal;
use crate::catalog;
use crate::clock;
use crate::db::schema::{branch_services, lottery_draws, services, waitlist_entries};
use crate::db::{DbConnection, is_unique_violation, savepoint};
use crate::schedule::BookingWindow;

/// A service's lottery mode.
#[derive(Debug, Clone, Copy)]
struct Settings {
    /// 0: off.
    minutes: i32,
    confirm_hours: i32,
    opens_at: NaiveTime,
}

impl Settings {
    fn load(conn: &mut DbConnection, service: &str) -> QueryResult<Option<Settings>> {
        let row: Option<(i32, i32)> = services::table
            .find(service)
            .select((services::lottery_minutes, services::lottery_confirm_hours))
            .first(conn)
            .optional()?;
        let Some((minutes, confirm_hours)) = row.filter(|(minutes, _)| *minutes > 0) else {
            return Ok(None);
        };
        Ok(Some(Settings {
            minutes,
            confirm_hours,
            opens_at: catalog::opens_at(conn, service)?,
        }))
    }

    /// The day that opened today, once it has (before `opens_at`, none did today).
    fn opened_today(&self, local_now: NaiveDateTime) -> Option<NaiveDate> {
        (local_now.time() >= self.opens_at)
            .then(|| BookingWindow::new(local_now, 0, self.opens_at).last)
    }

    /// The day to draw at `local_now`: the one that opened today, once its collection is
    /// over.
    fn due(&self, local_now: NaiveDateTime) -> Option<NaiveDate> {
        let date = self.opened_today(local_now)?;
        let minute = |t: NaiveTime| t.hour() * 60 + t.minute();
        let ends = minute(self.opens_at) + u32::try_from(self.minutes).unwrap_or(u32::MAX);
        (minute(local_now.time()) >= ends).then_some(date)
    }

    /// When today's collection ends (Malaysian time; the same day, by a database check).
    fn draw_at(&self, today: NaiveDate) -> NaiveDateTime {
        today.and_time(self.opens_at) + TimeDelta::minutes(i64::from(self.minutes))
    }
}

/// A day whose seats wait for their draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub date: NaiveDate,
    /// When the collection ends and the day is drawn (UTC).
    pub draw_at: NaiveDateTime,
}

/// The day of `service` at `branch` whose seats wait for a draw at `now`, if any: the day that
/// opened today, until it is drawn.
pub fn pending(
    conn: &mut DbConnection,
    service: &str,
    branch: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Pending>> {
    let local_now = clock::to_malaysia(now);
    let Some(settings) = Settings::load(conn, service)? else {
        return Ok(None);
    };
    let Some(date) = settings.opened_today(local_now) else {
        return Ok(None);
    };
    if drawn(conn, service, branch, date)? {
        return Ok(None);
    }
    Ok(Some(Pending {
        date,
        draw_at: clock::from_malaysia(settings.draw_at(local_now.date())),
    }))
}

impl Pending {
    /// Why the day cannot be booked yet, for availability: its draw, and when.
    pub fn closed_reason(&self) -> ClosedReason {
        let at = clock::to_malaysia(self.draw_at).format("%H:%M");
        ClosedReason {
            kind: ClosedKind::Lottery,
            name: Bilingual {
                ms: format!("Cabutan undi pada {at}: sertai cabutan untuk mendapat tempat"),
                en: format!("Drawn by lottery at {at}: enter the draw for a seat"),
            },
        }
    }
}

/// The hours a drawn entry has to confirm its seat, if `service` is in lottery mode.
pub(super) fn confirm_hours(conn: &mut DbConnection, service: &str) -> QueryResult<Option<i64>> {
    Ok(Settings::load(conn, service)?.map(|s| i64::from(s.confirm_hours)))
}

fn drawn(
    conn: &mut DbConnection,
    service: &str,
    branch: &str,
    date: NaiveDate,
) -> QueryResult<bool> {
    Ok(lottery_draws::table
        .find((service, branch, date))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// The drawn order of `ids` (entry ids in ascending order) for `seed`: a Fisher–Yates shuffle
/// driven by ChaCha8's 64-bit outputs, each reduced modulo the places left (a bias below 2^-40
/// for fewer than 2^24 entries). ChaCha8 is a cipher, so the same seed gives the same order
/// in any version and on any machine: anyone can check a draw from the audit log.
pub fn order(seed: u64, ids: &[i64]) -> Vec<i64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut drawn = ids.to_vec();
    for i in (1..drawn.len()).rev() {
        let bound = u64::try_from(i + 1).unwrap_or(u64::MAX);
        let j = usize::try_from(rng.next_u64() % bound).unwrap_or(0);
        drawn.swap(i, j);
    }
    drawn
}

/// The drawn order regrouped in rounds by network: each network's first drawn entry, in drawn
/// order, then each network's second, and so on. A farm of bots entering with many e-mails
/// from a few networks wins at most a few seats per round, while people, each on their own
/// network, fill the first. An entry whose network is unknown (empty) is a network of its
/// own. Like [`order`], a function of what the draw recorded: reproducible.
pub fn in_rounds_by_network(drawn: &[i64], networks: &HashMap<i64, &str>) -> Vec<i64> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut rounds: Vec<(usize, i64)> = drawn
        .iter()
        .map(|id| {
            let network = networks.get(id).copied().unwrap_or_default();
            let round = if network.is_empty() {
                0
            } else {
                let earlier = seen.entry(network).or_default();
                *earlier += 1;
                *earlier - 1
            };
            (round, *id)
        })
        .collect();
    // Stable: within a round, the drawn order.
    rounds.sort_by_key(|(round, _)| *round);
    rounds.into_iter().map(|(_, id)| id).collect()
}

/// Draws every day whose collection has ended and that nobody drew yet; returns how many. Safe
/// from every instance at once.
pub fn draw_due(
    conn: &mut DbConnection,
    offers: Offers<'_>,
    now: NaiveDateTime,
) -> Result<usize, BookingError> {
    let local_now = clock::to_malaysia(now);
    let lottery_services: Vec<String> = services::table
        .filter(services::lottery_minutes.gt(0))
        .select(services::code)
        .load(conn)?;
    let mut draws = 0;
    for service in lottery_services {
        let Some(settings) = Settings::load(conn, &service)? else {
            continue;
        };
        let Some(date) = settings.due(local_now) else {
            continue;
        };
        let branches: Vec<String> = branch_services::table
            .filter(branch_services::service_code.eq(&service))
            .select(branch_services::branch_code)
            .order(branch_services::branch_code)
            .load(conn)?;
        for branch in branches {
            if !drawn(conn, &service, &branch, date)?
                && draw(conn, &service, &branch, date, offers, now)?
            {
                draws += 1;
            }
        }
    }
    Ok(draws)
}

/// Draws one day: ranks its entries from a new seed, holds each free seat for the next drawn
/// entry, records and audits the draw. `false` if it was drawn already (by another instance),
/// or the branch is closed that day. [`draw_due`] calls it when the collection is over.
pub fn draw(
    conn: &mut DbConnection,
    service: &str,
    branch: &str,
    date: NaiveDate,
    offers: Offers<'_>,
    now: NaiveDateTime,
) -> Result<bool, BookingError> {
    let branch_code = catalog::branch_code(branch)?;
    let Some(branch_row) = catalog::find_branch(conn, &branch_code)? else {
        return Ok(false);
    };
    let Some(seats) = catalog::seats(conn, branch, service)? else {
        return Ok(false);
    };
    let schedule = catalog::load_schedule(conn, &branch_row, date, date)?;
    let Ok(day) = schedule.day(date) else {
        return Ok(false);
    };
    transact(conn, |conn| {
        let seed: u64 = rand::random();
        // Stored as the same 64 bits, signed.
        let stored_seed = i64::from_ne_bytes(seed.to_ne_bytes());
        let claimed = savepoint(conn, |conn| {
            diesel::insert_into(lottery_draws::table)
                .values((
                    lottery_draws::service_code.eq(service),
                    lottery_draws::branch_code.eq(branch),
                    lottery_draws::date.eq(date),
                    lottery_draws::seed.eq(stored_seed),
                    lottery_draws::entries.eq(0),
                    lottery_draws::offered.eq(0),
                    lottery_draws::drawn_at.eq(now),
                ))
                .execute(conn)
        });
        match claimed {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e, "lottery_draws") => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        let entries: Vec<(i64, String)> = waitlist_entries::table
            .filter(waitlist_entries::service_code.eq(service))
            .filter(waitlist_entries::branch_code.eq(branch))
            .filter(waitlist_entries::date.eq(date))
            .filter(waitlist_entries::status.eq(WaitlistStatus::Waiting))
            .order(waitlist_entries::id)
            .select((waitlist_entries::id, waitlist_entries::network))
            .load(conn)?;
        let ids: Vec<i64> = entries.iter().map(|(id, _)| *id).collect();
        let networks: HashMap<i64, &str> = entries
            .iter()
            .map(|(id, network)| (*id, network.as_str()))
            .collect();
        let ranked = in_rounds_by_network(&order(seed, &ids), &networks);
        for (rank, id) in ranked.into_iter().enumerate() {
            let rank = i32::try_from(rank + 1).unwrap_or(i32::MAX);
            diesel::update(waitlist_entries::table.find(id))
                .set(waitlist_entries::drawn_rank.eq(rank))
                .execute(conn)?;
        }
        // Every free seat of the day, slot by slot, to the next drawn entry.
        let mut offered = 0;
        'slots: for time in &day {
            let slot = ValidSlot {
                branch: branch_row.clone(),
                seats,
                time: *time,
            };
            let slot_id = ensure_slot(conn, branch, service, date, &slot)?;
            loop {
                match claim_seat(conn, slot_id) {
                    Ok(()) => {}
                    Err(BookingError::SlotFull) => continue 'slots,
                    Err(e) => return Err(e),
                }
                if waitlist::offer_seat(conn, slot_id, offers, now)? {
                    offered += 1;
                } else {
                    // Nobody left to offer it to: this seat and the rest stay free for all.
                    give_back(conn, slot_id)?;
                    break 'slots;
                }
            }
        }
        let entries = i32::try_from(ids.len()).unwrap_or(i32::MAX);
        diesel::update(lottery_draws::table.find((service, branch, date)))
            .set((
                lottery_draws::entries.eq(entries),
                lottery_draws::offered.eq(offered),
            ))
            .execute(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry {
                at: now,
                actor: &Principal::System,
                action: crate::audit::AuditAction::LotteryDrawn,
                subject: &format!("{service}/{date}"),
                branch: Some(branch),
                before: None,
                after: Some(serde_json::json!({
                    "service": service,
                    "date": date.to_string(),
                    "seed": seed.to_string(),
                    "entries": entries,
                    "offered": offered,
                })),
            },
        )?;
        tracing::info!(service, branch, %date, entries, offered, "lottery drawn");
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveTime};

    use std::collections::HashMap;

    use super::{Settings, in_rounds_by_network, order};

    fn at(date: &str, time: &str) -> chrono::NaiveDateTime {
        let date: NaiveDate = date.parse().expect("date");
        date.and_time(NaiveTime::parse_from_str(time, "%H:%M").expect("time"))
    }

    #[test]
    fn the_day_that_opened_is_drawn_when_its_collection_is_over() {
        let settings = Settings {
            minutes: 60,
            confirm_hours: 24,
            opens_at: NaiveTime::from_hms_opt(10, 0, 0).expect("time"),
        };
        // Before it opens, nothing opened today; while collecting, nothing is due.
        assert_eq!(settings.opened_today(at("2026-12-07", "09:59")), None);
        assert_eq!(settings.due(at("2026-12-07", "09:59")), None);
        let opened = settings.opened_today(at("2026-12-07", "10:00"));
        assert_eq!(opened, Some("2027-03-07".parse().expect("date")));
        assert_eq!(settings.due(at("2026-12-07", "10:59")), None);
        assert_eq!(settings.due(at("2026-12-07", "11:00")), opened);
        assert_eq!(settings.due(at("2026-12-07", "23:59")), opened);
        // The longest collection (the database allows it to end at 23:59 at the latest, so
        // that the day drawn is the one that opened, before midnight opens the next).
        let all_day = Settings {
            minutes: 1439,
            opens_at: NaiveTime::MIN,
            ..settings
        };
        assert_eq!(all_day.due(at("2026-12-07", "23:58")), None);
        assert_eq!(
            all_day.due(at("2026-12-07", "23:59")),
            Some("2027-03-07".parse().expect("date"))
        );
    }

    #[test]
    fn a_draw_is_reproducible_from_its_seed() {
        let ids: Vec<i64> = (1..=50).collect();
        let first = order(42, &ids);
        assert_eq!(first, order(42, &ids), "same seed, same order");
        let mut sorted = first.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, ids, "a permutation of the entries");
        assert_ne!(first, ids, "shuffled");
        assert_ne!(first, order(43, &ids), "another seed, another order");
        // Pinned: a change of algorithm or generator would change past draws.
        assert_eq!(order(7, &[10, 20, 30, 40, 50]), vec![40, 20, 50, 30, 10]);
        assert!(order(7, &[]).is_empty());
        assert_eq!(order(7, &[5]), vec![5]);
    }

    #[test]
    fn every_entry_can_win() {
        // Over many seeds, each of five entries comes first sometimes.
        let ids = [1, 2, 3, 4, 5];
        let mut firsts = [0u32; 5];
        for seed in 0..1000 {
            let first = order(seed, &ids)[0];
            firsts[usize::try_from(first - 1).expect("index")] += 1;
        }
        assert!(
            firsts.iter().all(|&n| (120..=280).contains(&n)),
            "{firsts:?}"
        );
    }

    #[test]
    fn a_network_wins_a_second_seat_only_after_every_network_won_one() {
        // Drawn order: a bot farm's network "b" drew the first three places.
        let drawn = [1, 2, 3, 4, 5, 6, 7];
        let networks: HashMap<i64, &str> = [
            (1, "b"),
            (2, "b"),
            (3, "b"),
            (4, "p1"),
            (5, ""),
            (6, "p2"),
            (7, ""),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            in_rounds_by_network(&drawn, &networks),
            vec![1, 4, 5, 6, 7, 2, 3],
            "round one: each network's first, and every unknown one, in drawn order"
        );
        // Everyone on their own network: the drawn order unchanged.
        let own: HashMap<i64, &str> = [(1, "a"), (2, "b"), (3, "c")].into_iter().collect();
        assert_eq!(in_rounds_by_network(&[3, 1, 2], &own), vec![3, 1, 2]);
    }
}
