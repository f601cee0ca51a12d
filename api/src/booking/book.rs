//! Booking a slot (R1–R3, R5): first come, first served, the seat claimed last.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use temujanji_shared::address::Address;
use temujanji_shared::form::{BookingRequest, Identity};
use temujanji_shared::reference::Reference;
use temujanji_shared::wire::AppointmentStatus;

use super::row::{AppointmentRow, NewAppointment};
use super::seats::{already_full, check_slot, claim_seat, ensure_slot};
use super::sweep::expire_identity;
use super::{BookingError, Context, Seat, blocks, transact, view, waitlist};
use crate::authz::Principal;
use crate::catalog;
use crate::clock;
use crate::db::schema::appointments;
use crate::db::{DbConnection, is_unique_violation, savepoint};
use crate::events::{self, Event, EventKind};
use crate::idempotency::{self, Claim, Idempotency, StoredResponse};
use crate::schedule::SlotTime;

/// Books the slot in `request` for `principal`, claiming a free seat or taking the one held
/// for the applicant's waitlist offer (`seat`); with `idempotency`, a retry returns the first
/// outcome (the appointment as JSON) and takes no second seat.
pub fn book(
    conn: &mut DbConnection,
    request: &BookingRequest,
    principal: &Principal,
    seat: Seat,
    idempotency: Option<&Idempotency>,
    ctx: Context<'_>,
) -> Result<StoredResponse, BookingError> {
    // An applicant books for the address they proved; a partner for anyone, but only its
    // services at its branches, and the appointment records it.
    let partner_id = match principal {
        Principal::Applicant(email) if *email == request.applicant.email => None,
        Principal::Applicant(_) => return Err(BookingError::EmailMismatch),
        Principal::Partner(client) => {
            crate::authz::partner_booking(
                client,
                request.branch.as_str(),
                request.service.as_str(),
            )?;
            Some(client.id)
        }
        _ => return Err(BookingError::Forbidden),
    };
    if let (Seat::Offer(_), Some(_)) = (seat, partner_id) {
        // Offers are made to applicants only.
        return Err(BookingError::Forbidden);
    }
    let now = ctx.now;
    // A retry gets the first answer even if the rules would refuse the request today.
    if let Some(idem) = idempotency
        && let Some(stored) = idempotency::replay(conn, idem, now)?
    {
        return Ok(stored);
    }
    let branch = catalog::find_branch(conn, &request.branch)?.ok_or(BookingError::NotFound)?;
    let service = request.service.as_str();
    let service_info =
        catalog::find_service(conn, &request.service)?.ok_or(BookingError::NotFound)?;
    // Spent at once, in its own transaction: a refused attempt in a rush costs a solution too.
    if service_info.rush
        && let Some(gate) = &ctx.rush
    {
        gate.pass(conn, now)?;
    }
    if let Seat::Offer(id) = seat {
        waitlist::check_offer(conn, id, &request.applicant.email, now)?;
    }
    let slot = check_slot(conn, branch, service, request.date, request.start, now)?;
    blocks::check_not_blocked(conn, request, clock::to_malaysia(now).date())?;

    let booked = transact(conn, |conn| {
        if let Some(idem) = idempotency
            && let Claim::Replay(stored) = idempotency::claim(conn, idem, now)?
        {
            return Ok(stored);
        }
        let slot_id = ensure_slot(conn, &slot.branch.code, service, request.date, &slot)?;
        if seat == Seat::Claim && already_full(conn, slot_id)? {
            return Err(BookingError::SlotFull);
        }
        expire_identity(conn, request, ctx.fanout, now)?;
        super::limits::check_active(conn, request, ctx.limits)?;
        let row = insert_appointment(conn, request, slot_id, &slot.time, partner_id, now)?;
        let appointment = view::view_of(row.clone(), &slot.branch, service_info.clone(), ctx.qr)?;
        let event = Event {
            kind: EventKind::Booked,
            actor: principal,
            before: None,
            after: &row,
            at: now,
            view: Some(&appointment),
        };
        events::publish(conn, ctx.fanout, &event)?;
        let body = serde_json::to_string(&appointment)
            .map_err(|e| BookingError::corrupt("appointment as JSON", e.to_string()))?;
        let stored = StoredResponse { body };
        if let Some(idem) = idempotency {
            idempotency::store(conn, idem, &stored)?;
        }
        match seat {
            // Last, so that the hot slot row stays locked for as short a time as possible.
            Seat::Claim => claim_seat(conn, slot_id)?,
            // Counted in `booked` since it was held: only the offer changes hands, once.
            Seat::Offer(id) => waitlist::take(conn, id, &request.applicant.email, slot_id, now)?,
        }
        Ok(stored)
    });
    if let Err(BookingError::SlotFull) = booked {
        super::demand::count_refusal(conn, &slot.branch.code, service, request.date);
    }
    booked
}

/// The refusal for an identity that already holds an active appointment for the service: its
/// holder is told so; anyone else learns only that the identity cannot book it now (no oracle
/// for who holds what, and a way out for a person whose identity was squatted).
fn duplicate_for(
    conn: &mut DbConnection,
    request: &BookingRequest,
) -> Result<BookingError, BookingError> {
    let identity = &request.applicant.identity;
    let holder: Option<String> = appointments::table
        .filter(appointments::id_type.eq(identity.id_type()))
        .filter(appointments::id_number.eq(identity.number()))
        .filter(appointments::nationality.eq(identity.nationality()))
        .filter(appointments::service_code.eq(request.service.as_str()))
        .filter(
            appointments::status.eq_any([AppointmentStatus::Booked, AppointmentStatus::CheckedIn]),
        )
        .select(appointments::email)
        .first(conn)
        .optional()?;
    Ok(match holder {
        Some(email) if email == request.applicant.email.as_str() => BookingError::DuplicateActive,
        _ => BookingError::IdentityUnavailable,
    })
}

fn new_reference() -> Reference {
    Reference::from_random_bytes(rand::random::<[u8; 10]>())
}

fn insert_appointment(
    conn: &mut DbConnection,
    request: &BookingRequest,
    slot_id: i64,
    time: &SlotTime,
    partner_id: Option<i64>,
    now: NaiveDateTime,
) -> Result<AppointmentRow, BookingError> {
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
            id_type: identity.id_type(),
            id_number: identity.number(),
            nationality: identity.nationality(),
            address_line1: address.line1.as_str(),
            address_line2: address.line2.as_ref().map(|l| l.as_str()),
            postcode: address.postcode.as_str(),
            city: address.city.as_str(),
            state: address.state.code(),
            phone: applicant.phone.as_str(),
            email: applicant.email.as_str(),
            status: AppointmentStatus::Booked,
            created_at: now,
            updated_at: now,
            partner_id,
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
                return Err(duplicate_for(conn, request)?);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(BookingError::corrupt(
        "reference",
        "no unique reference in five draws",
    ))
}
