//! The booking engine (R1, R2, R3, R5): book, look up, cancel and reschedule appointments.
//!
//! Invariants, all enforced by the database rather than by earlier reads:
//! - a seat is claimed with `UPDATE slots SET booked = booked + 1 WHERE id = ? AND booked <
//!   capacity`, and `CHECK (booked <= capacity)` backs it up, so a slot is never overbooked;
//! - the partial unique index `appointments_one_active_per_identity` allows one active
//!   appointment per identity per service;
//! - every change is one transaction: a failure leaves no seat taken and nothing half-written;
//!   the e-mail reporting a change (R7) is written to the outbox in that transaction.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use diesel::prelude::*;
use temujanji_shared::address::{Address, AddressLine, City, Postcode, State};
use temujanji_shared::email::EmailAddress;
use temujanji_shared::form::{BookingRequest, Identity, RescheduleTarget};
use temujanji_shared::reference::Reference;
use temujanji_shared::wire::{
    self, ApplicantView, AppointmentBranch, AppointmentService, AppointmentStatus, ClockTime,
    IdType,
};

use crate::catalog::{self, BranchRow};
use crate::clock;
use crate::db::schema::{appointments, audit_events, blocks, slots};
use crate::db::{DbConnection, is_retryable, is_unique_violation, savepoint, write_transaction};
use crate::idempotency::{self, Claim, Idempotency, StoredResponse};
use crate::mail::{Letters, Notice};
use crate::outbox;
use crate::problem::ApiError;
use crate::qr_payload::QrKey;
use crate::schedule::{BookingWindow, SlotTime};

/// R4: applicants must be at the office this long before their slot.
pub const ARRIVE_EARLY_MINUTES: i64 = 30;
const TRANSACTION_ATTEMPTS: usize = 3;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = appointments)]
pub struct AppointmentRow {
    pub id: i64,
    pub reference: String,
    pub slot_id: i64,
    pub branch_code: String,
    pub service_code: String,
    pub date: NaiveDate,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub applicant_name: String,
    pub id_type: String,
    pub id_number: String,
    pub nationality: String,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub postcode: String,
    pub city: String,
    pub state: String,
    pub phone: String,
    pub email: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = appointments)]
struct NewAppointment<'a> {
    reference: &'a str,
    slot_id: i64,
    branch_code: &'a str,
    service_code: &'a str,
    date: NaiveDate,
    start_time: NaiveTime,
    end_time: NaiveTime,
    applicant_name: &'a str,
    id_type: &'a str,
    id_number: &'a str,
    nationality: &'a str,
    address_line1: &'a str,
    address_line2: Option<&'a str>,
    postcode: &'a str,
    city: &'a str,
    state: &'a str,
    phone: &'a str,
    email: &'a str,
    status: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Who asks: the verified e-mail of an applicant token.
#[derive(Debug, Clone)]
pub struct Requester {
    pub email: EmailAddress,
}

impl Requester {
    fn actor(&self) -> String {
        format!("applicant:{}", self.email)
    }
}

/// Runs a write transaction, retrying it when PostgreSQL reports a deadlock or a
/// serialization failure.
fn transact<T>(
    conn: &mut DbConnection,
    mut f: impl FnMut(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut attempt = 1;
    loop {
        match write_transaction(conn, &mut f) {
            Err(ApiError::Database(e)) if attempt < TRANSACTION_ATTEMPTS && is_retryable(&e) => {
                tracing::warn!(error = %e, attempt, "retrying transaction");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// A slot the branch really offers on that date, inside the booking window.
struct ValidSlot {
    branch: BranchRow,
    seats: i32,
    time: SlotTime,
}

fn check_slot(
    conn: &mut DbConnection,
    branch: BranchRow,
    service: &str,
    date: NaiveDate,
    start: ClockTime,
    now: NaiveDateTime,
) -> Result<ValidSlot, ApiError> {
    let seats = catalog::seats(conn, &branch.code, service)?.ok_or(ApiError::ServiceNotOffered)?;
    let local_now = clock::to_malaysia(now);
    let window = BookingWindow::new(local_now.date(), i64::from(branch.min_lead_days));
    let outside = || ApiError::OutsideBookingWindow {
        from: window.first,
        until: window.last,
    };
    if !window.contains(date) {
        return Err(outside());
    }
    let schedule = catalog::load_schedule(conn, &branch, date, date)?;
    let day = schedule.day(date).map_err(ApiError::BranchClosed)?;
    let time = day
        .into_iter()
        .find(|s| s.start == start.time())
        .ok_or(ApiError::NoSuchSlot)?;
    if date.and_time(time.start) <= local_now {
        // Only reachable with no lead time: the slot has already started today.
        return Err(outside());
    }
    Ok(ValidSlot {
        branch,
        seats,
        time,
    })
}

/// The row of this slot, created on first use. Creation races are settled by the unique
/// constraint: the loser reads the winner's row.
fn ensure_slot(
    conn: &mut DbConnection,
    branch: &str,
    service: &str,
    date: NaiveDate,
    slot: &ValidSlot,
) -> Result<i64, ApiError> {
    let find = |conn: &mut DbConnection| {
        slots::table
            .filter(slots::branch_code.eq(branch))
            .filter(slots::service_code.eq(service))
            .filter(slots::date.eq(date))
            .filter(slots::start_time.eq(slot.time.start))
            .select(slots::id)
            .first::<i64>(conn)
            .optional()
    };
    if let Some(id) = find(conn)? {
        return Ok(id);
    }
    let inserted = savepoint(conn, |conn| {
        diesel::insert_into(slots::table)
            .values((
                slots::branch_code.eq(branch),
                slots::service_code.eq(service),
                slots::date.eq(date),
                slots::start_time.eq(slot.time.start),
                slots::end_time.eq(slot.time.end),
                slots::capacity.eq(slot.seats),
                slots::booked.eq(0),
            ))
            .returning(slots::id)
            .get_result::<i64>(conn)
    });
    match inserted {
        Ok(id) => Ok(id),
        Err(e) if is_unique_violation(&e, "slots") => find(conn)?
            .ok_or_else(|| ApiError::Internal("slot vanished after a unique violation".into())),
        Err(e) => Err(e.into()),
    }
}

/// Takes one seat, or reports the slot full. Atomic under any concurrency: the condition is
/// re-checked on the locked row.
fn claim_seat(conn: &mut DbConnection, slot_id: i64) -> Result<(), ApiError> {
    let claimed = diesel::update(slots::table)
        .filter(slots::id.eq(slot_id))
        .filter(slots::booked.lt(slots::capacity))
        .set(slots::booked.eq(slots::booked + 1))
        .execute(conn)?;
    if claimed == 1 {
        Ok(())
    } else {
        Err(ApiError::SlotFull)
    }
}

/// Gives one seat back. No floor filter: a double release would break
/// `CHECK (booked >= 0)` or find no row, and either is reported, never hidden.
fn release_seat(conn: &mut DbConnection, slot_id: i64) -> Result<(), ApiError> {
    let released = diesel::update(slots::table)
        .filter(slots::id.eq(slot_id))
        .set(slots::booked.eq(slots::booked - 1))
        .execute(conn)?;
    if released == 1 {
        Ok(())
    } else {
        Err(ApiError::Internal(format!(
            "slot {slot_id} to release does not exist"
        )))
    }
}

/// A fast refusal for a slot already full. Only an optimisation for the release-day rush:
/// [`claim_seat`] stays the authority.
fn already_full(conn: &mut DbConnection, slot_id: i64) -> Result<bool, ApiError> {
    let (capacity, booked): (i32, i32) = slots::table
        .find(slot_id)
        .select((slots::capacity, slots::booked))
        .first(conn)?;
    Ok(booked >= capacity)
}

/// R4: an appointment nobody checked in for becomes a no-show once its slot has ended. Done
/// for the applicant's identity before they book again, so that a past appointment does not
/// hold the one-active-per-service place forever.
fn expire_past_appointments(
    conn: &mut DbConnection,
    request: &BookingRequest,
    now: NaiveDateTime,
    actor: &str,
) -> Result<(), ApiError> {
    let local = clock::to_malaysia(now);
    let identity = &request.applicant.identity;
    let expired: Vec<AppointmentRow> = diesel::update(appointments::table)
        .filter(appointments::id_type.eq(identity.id_type().code()))
        .filter(appointments::id_number.eq(identity.number()))
        .filter(appointments::nationality.eq(identity.nationality()))
        .filter(appointments::service_code.eq(request.service.as_str()))
        .filter(appointments::status.eq(AppointmentStatus::Booked.code()))
        .filter(
            appointments::date.lt(local.date()).or(appointments::date
                .eq(local.date())
                .and(appointments::end_time.le(local.time()))),
        )
        .set((
            appointments::status.eq(AppointmentStatus::NoShow.code()),
            appointments::updated_at.eq(now),
        ))
        .returning(appointments::all_columns)
        .get_results::<AppointmentRow>(conn)?;
    for row in &expired {
        audit(
            conn,
            now,
            actor,
            "appointment.no_show",
            &row.reference,
            None,
            Some(row),
        )?;
    }
    Ok(())
}

/// Changes are refused once the appointment's slot has started.
fn ensure_not_started(row: &AppointmentRow, now: NaiveDateTime) -> Result<(), ApiError> {
    if row.date.and_time(row.start_time) <= clock::to_malaysia(now) {
        Err(ApiError::AppointmentStarted)
    } else {
        Ok(())
    }
}

/// The identity as one string, for blocks: `mykad:900101145678`, `passport:IDN:A1234567`.
pub fn identity_key(id_type: &str, nationality: &str, number: &str) -> String {
    if id_type == IdType::Mykad.code() {
        format!("mykad:{number}")
    } else {
        format!("passport:{nationality}:{number}")
    }
}

/// R5: refuses applicants blocked by identity, e-mail or phone until the block's end date.
fn check_not_blocked(
    conn: &mut DbConnection,
    request: &BookingRequest,
    today: NaiveDate,
) -> Result<(), ApiError> {
    let applicant = &request.applicant;
    let identity = &applicant.identity;
    let key = identity_key(
        identity.id_type().code(),
        identity.nationality(),
        identity.number(),
    );
    let block: Option<(String, NaiveDate)> = blocks::table
        .filter(blocks::until.ge(today))
        .filter(
            (blocks::kind.eq("identity").and(blocks::value.eq(&key)))
                .or(blocks::kind
                    .eq("email")
                    .and(blocks::value.eq(applicant.email.as_str())))
                .or(blocks::kind
                    .eq("phone")
                    .and(blocks::value.eq(applicant.phone.as_str()))),
        )
        .order(blocks::until.desc())
        .select((blocks::reason, blocks::until))
        .first(conn)
        .optional()?;
    match block {
        Some((reason, until)) => Err(ApiError::Blocked { reason, until }),
        None => Ok(()),
    }
}

fn new_reference() -> Reference {
    Reference::from_random_bytes(rand::random::<[u8; 10]>())
}

fn audit(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    actor: &str,
    action: &str,
    subject: &str,
    before: Option<&AppointmentRow>,
    after: Option<&AppointmentRow>,
) -> Result<(), ApiError> {
    let snapshot = |row: Option<&AppointmentRow>| {
        row.map(|r| {
            serde_json::json!({
                "status": r.status, "slot_id": r.slot_id, "date": r.date,
                "start": r.start_time.format("%H:%M").to_string(),
            })
            .to_string()
        })
    };
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::at.eq(now),
            audit_events::actor.eq(actor),
            audit_events::action.eq(action),
            audit_events::subject.eq(subject),
            audit_events::before_json.eq(snapshot(before)),
            audit_events::after_json.eq(snapshot(after)),
        ))
        .execute(conn)?;
    Ok(())
}

fn find_row(
    conn: &mut DbConnection,
    reference: &Reference,
) -> Result<Option<AppointmentRow>, ApiError> {
    Ok(appointments::table
        .filter(appointments::reference.eq(reference.as_str()))
        .select(AppointmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The appointment if `requester` may see it. Others get "not found", so that references
/// cannot be probed.
fn owned_row(
    conn: &mut DbConnection,
    reference: &Reference,
    requester: &Requester,
) -> Result<AppointmentRow, ApiError> {
    find_row(conn, reference)?
        .filter(|row| row.email == requester.email.as_str())
        .ok_or(ApiError::NotFound)
}

/// Books the slot in `request` for `requester`; with `idempotency`, a retry returns the first
/// answer.
pub fn book(
    conn: &mut DbConnection,
    request: &BookingRequest,
    requester: &Requester,
    idempotency: Option<&Idempotency>,
    qr: &QrKey,
    letters: &Letters,
    now: NaiveDateTime,
) -> Result<StoredResponse, ApiError> {
    if request.applicant.email != requester.email {
        return Err(ApiError::EmailMismatch);
    }
    // A retry gets the first answer even if the rules would refuse the request today.
    if let Some(idem) = idempotency
        && let Some(stored) = idempotency::replay(conn, idem, now)?
    {
        return Ok(stored);
    }
    let branch = catalog::find_branch(conn, &request.branch)?.ok_or(ApiError::NotFound)?;
    let service = request.service.as_str();
    let service_info = catalog::find_service(conn, &request.service)?.ok_or(ApiError::NotFound)?;
    let slot = check_slot(conn, branch, service, request.date, request.start, now)?;
    check_not_blocked(conn, request, clock::to_malaysia(now).date())?;

    transact(conn, |conn| {
        if let Some(idem) = idempotency
            && let Claim::Replay(stored) = idempotency::claim(conn, idem, now)?
        {
            return Ok(stored);
        }
        let slot_id = ensure_slot(conn, &slot.branch.code, service, request.date, &slot)?;
        if already_full(conn, slot_id)? {
            return Err(ApiError::SlotFull);
        }
        expire_past_appointments(conn, request, now, &requester.actor())?;
        let row = insert_appointment(conn, request, slot_id, &slot.time, now)?;
        audit(
            conn,
            now,
            &requester.actor(),
            "appointment.booked",
            &row.reference,
            None,
            Some(&row),
        )?;
        let appointment = view_of(row, &slot.branch, service_info.clone(), qr)?;
        let confirmation = letters.appointment(Notice::Confirmation, &appointment)?;
        outbox::enqueue(conn, &confirmation, now)?;
        let body = serde_json::to_string(&appointment)
            .map_err(|e| ApiError::Internal(format!("cannot serialise the appointment: {e}")))?;
        let stored = StoredResponse { status: 201, body };
        if let Some(idem) = idempotency {
            idempotency::store(conn, idem, &stored)?;
        }
        // Last, so that the hot slot row stays locked for as short a time as possible.
        claim_seat(conn, slot_id)?;
        Ok(stored)
    })
}

fn insert_appointment(
    conn: &mut DbConnection,
    request: &BookingRequest,
    slot_id: i64,
    time: &SlotTime,
    now: NaiveDateTime,
) -> Result<AppointmentRow, ApiError> {
    let applicant = &request.applicant;
    let identity: &Identity = &applicant.identity;
    let address: &Address = &applicant.address;
    // A reference collision (one in 2^50) gets a fresh reference; an identity collision is R5.
    for _ in 0..5 {
        let reference = new_reference();
        let values = NewAppointment {
            reference: reference.as_str(),
            slot_id,
            branch_code: request.branch.as_str(),
            service_code: request.service.as_str(),
            date: request.date,
            start_time: time.start,
            end_time: time.end,
            applicant_name: applicant.name.as_str(),
            id_type: identity.id_type().code(),
            id_number: identity.number(),
            nationality: identity.nationality(),
            address_line1: address.line1.as_str(),
            address_line2: address.line2.as_ref().map(|l| l.as_str()),
            postcode: address.postcode.as_str(),
            city: address.city.as_str(),
            state: address.state.code(),
            phone: applicant.phone.as_str(),
            email: applicant.email.as_str(),
            status: AppointmentStatus::Booked.code(),
            created_at: now,
            updated_at: now,
        };
        let inserted = savepoint(conn, |conn| {
            diesel::insert_into(appointments::table)
                .values(&values)
                .returning(appointments::all_columns)
                .get_result::<AppointmentRow>(conn)
        });
        match inserted {
            Ok(row) => return Ok(row),
            Err(e) if is_unique_violation(&e, "reference") => continue,
            Err(e) if is_unique_violation(&e, "appointments") => {
                return Err(ApiError::DuplicateActiveAppointment);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Internal(
        "could not draw a unique reference".into(),
    ))
}

/// The appointment, for its owner.
pub fn get(
    conn: &mut DbConnection,
    reference: &Reference,
    requester: &Requester,
    qr: &QrKey,
) -> Result<wire::Appointment, ApiError> {
    let row = owned_row(conn, reference, requester)?;
    view(conn, row, qr)
}

/// Cancels a booked appointment and frees its seat at once.
pub fn cancel(
    conn: &mut DbConnection,
    reference: &Reference,
    requester: &Requester,
    qr: &QrKey,
    letters: &Letters,
    now: NaiveDateTime,
) -> Result<wire::Appointment, ApiError> {
    transact(conn, |conn| {
        let before = owned_row(conn, reference, requester)?;
        ensure_not_started(&before, now)?;
        // Conditional on the status, so two concurrent cancels free the seat once.
        let changed = diesel::update(appointments::table)
            .filter(appointments::id.eq(before.id))
            .filter(appointments::status.eq(AppointmentStatus::Booked.code()))
            .set((
                appointments::status.eq(AppointmentStatus::Cancelled.code()),
                appointments::cancelled_at.eq(now),
                appointments::updated_at.eq(now),
            ))
            .returning(appointments::all_columns)
            .get_result::<AppointmentRow>(conn)
            .optional()?;
        let Some(after) = changed else {
            return Err(ApiError::InvalidStatus(status_of(conn, before.id)?));
        };
        release_seat(conn, after.slot_id)?;
        audit(
            conn,
            now,
            &requester.actor(),
            "appointment.cancelled",
            &after.reference,
            Some(&before),
            Some(&after),
        )?;
        report(conn, after, Notice::Cancellation, qr, letters, now)
    })
}

/// Moves a booked appointment to another slot of the same branch and service: the new seat is
/// taken and the old one freed in one transaction.
pub fn reschedule(
    conn: &mut DbConnection,
    reference: &Reference,
    target: &RescheduleTarget,
    requester: &Requester,
    qr: &QrKey,
    letters: &Letters,
    now: NaiveDateTime,
) -> Result<wire::Appointment, ApiError> {
    let current = owned_row(conn, reference, requester)?;
    let branch = catalog::find_branch(conn, &parse_branch_code(&current.branch_code)?)?
        .ok_or_else(|| ApiError::Internal("appointment of an unknown branch".into()))?;
    let slot = check_slot(
        conn,
        branch,
        &current.service_code,
        target.date,
        target.start,
        now,
    )?;
    transact(conn, |conn| {
        let before = owned_row(conn, reference, requester)?;
        if before.status != AppointmentStatus::Booked.code() {
            return Err(ApiError::InvalidStatus(status_of(conn, before.id)?));
        }
        ensure_not_started(&before, now)?;
        let new_slot = ensure_slot(
            conn,
            &before.branch_code,
            &before.service_code,
            target.date,
            &slot,
        )?;
        if new_slot == before.slot_id {
            return view(conn, before, qr);
        }
        // Lock the appointment first: concurrent changes to it queue here.
        let moved = diesel::update(appointments::table)
            .filter(appointments::id.eq(before.id))
            .filter(appointments::status.eq(AppointmentStatus::Booked.code()))
            .filter(appointments::slot_id.eq(before.slot_id))
            .set((
                appointments::slot_id.eq(new_slot),
                appointments::date.eq(target.date),
                appointments::start_time.eq(slot.time.start),
                appointments::end_time.eq(slot.time.end),
                appointments::updated_at.eq(now),
            ))
            .returning(appointments::all_columns)
            .get_result::<AppointmentRow>(conn)
            .optional()?;
        let Some(after) = moved else {
            // Changed by a concurrent request since it was read.
            return Err(ApiError::ConcurrentChange);
        };
        // Touch the two slots in id order so that crossing reschedules cannot deadlock.
        if new_slot < before.slot_id {
            claim_seat(conn, new_slot)?;
            release_seat(conn, before.slot_id)?;
        } else {
            release_seat(conn, before.slot_id)?;
            claim_seat(conn, new_slot)?;
        }
        audit(
            conn,
            now,
            &requester.actor(),
            "appointment.rescheduled",
            &after.reference,
            Some(&before),
            Some(&after),
        )?;
        report(conn, after, Notice::Change, qr, letters, now)
    })
}

/// The changed appointment's view, its e-mail queued and any pending reminder (for the old
/// time) withdrawn, in the change's transaction.
fn report(
    conn: &mut DbConnection,
    row: AppointmentRow,
    notice: Notice,
    qr: &QrKey,
    letters: &Letters,
    now: NaiveDateTime,
) -> Result<wire::Appointment, ApiError> {
    outbox::discard_reminders(conn, &row.reference, now)?;
    let appointment = view(conn, row, qr)?;
    outbox::enqueue(conn, &letters.appointment(notice, &appointment)?, now)?;
    Ok(appointment)
}

fn status_of(conn: &mut DbConnection, id: i64) -> Result<&'static str, ApiError> {
    let status: String = appointments::table
        .find(id)
        .select(appointments::status)
        .first(conn)?;
    Ok(AppointmentStatus::parse(&status).map_or("unknown", AppointmentStatus::code))
}

fn parse_branch_code(code: &str) -> Result<temujanji_shared::codes::BranchCode, ApiError> {
    temujanji_shared::codes::BranchCode::parse(code)
        .map_err(|_| ApiError::Internal(format!("stored branch code {code:?} is not valid")))
}

fn stored<T, E>(what: &str, value: &str, parsed: Result<T, E>) -> Result<T, ApiError> {
    parsed.map_err(|_| ApiError::Internal(format!("stored {what} {value:?} is not valid")))
}

/// The wire form of a stored appointment.
pub fn view(
    conn: &mut DbConnection,
    row: AppointmentRow,
    qr: &QrKey,
) -> Result<wire::Appointment, ApiError> {
    let branch = catalog::find_branch(conn, &parse_branch_code(&row.branch_code)?)?
        .ok_or_else(|| ApiError::Internal("appointment of an unknown branch".into()))?;
    let service = catalog::find_service(conn, &catalog::service_code(&row.service_code)?)?
        .ok_or_else(|| ApiError::Internal("appointment of an unknown service".into()))?;
    view_of(row, &branch, service, qr)
}

/// The wire form of a stored appointment, from its already loaded branch and service.
fn view_of(
    row: AppointmentRow,
    branch: &BranchRow,
    service: wire::Service,
    qr: &QrKey,
) -> Result<wire::Appointment, ApiError> {
    let branch_code = branch.branch_code()?;
    let id_type = match row.id_type.as_str() {
        "mykad" => IdType::Mykad,
        _ => IdType::Passport,
    };
    let masked = match id_type {
        IdType::Mykad => stored(
            "MyKad",
            &row.id_number,
            temujanji_shared::mykad::MyKad::parse(&row.id_number),
        )?
        .masked(),
        IdType::Passport => stored(
            "passport",
            &row.id_number,
            temujanji_shared::passport::PassportNumber::parse(&row.id_number),
        )?
        .masked(),
    };
    let line2 = match row.address_line2.as_deref() {
        Some(line) => Some(stored("address line", line, AddressLine::parse(line))?),
        None => None,
    };
    let address = Address {
        line1: stored(
            "address line",
            &row.address_line1,
            AddressLine::parse(&row.address_line1),
        )?,
        line2,
        postcode: stored("postcode", &row.postcode, Postcode::parse(&row.postcode))?,
        city: stored("city", &row.city, City::parse(&row.city))?,
        state: stored("state", &row.state, State::parse(&row.state))?,
    };
    let status = AppointmentStatus::parse(&row.status).ok_or_else(|| {
        ApiError::Internal(format!("stored status {:?} is not valid", row.status))
    })?;
    let reference = stored(
        "reference",
        &row.reference,
        Reference::parse(&row.reference),
    )?;
    Ok(wire::Appointment {
        qr_payload: qr.payload(&reference),
        reference,
        status,
        branch: AppointmentBranch {
            code: branch_code,
            name: branch.name.clone(),
            address: branch.address()?,
            phone: branch.phone.clone(),
        },
        service: AppointmentService {
            code: service.code,
            name: service.name,
            fee_sen: service.fee_sen,
            fee_note: service.fee_note,
            documents: service.documents,
        },
        date: row.date,
        start: ClockTime::new(row.start_time),
        end: ClockTime::new(row.end_time),
        arrive_by: ClockTime::new(row.start_time - TimeDelta::minutes(ARRIVE_EARLY_MINUTES)),
        applicant: ApplicantView {
            name: row.applicant_name,
            id_type,
            id_number_masked: masked,
            nationality: row.nationality,
            address,
            phone: row.phone,
            email: row.email,
        },
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}
