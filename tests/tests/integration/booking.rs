use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{JWT_SECRET, TestApp, booking, both_backends, email, qr_codes_in};

both_backends!(
    an_applicant_books_with_a_verified_email,
    every_invalid_field_is_reported_at_once,
    messages_follow_accept_language,
    the_booking_window_is_enforced,
    closed_days_and_unknown_slots_are_refused,
    one_active_appointment_per_identity_and_service,
    blocked_applicants_are_told_so,
    cancel_frees_the_seat_at_once,
    reschedule_moves_the_seat,
    the_token_email_must_be_the_applicants,
    the_slip_is_a_pdf_for_its_owner,
    past_appointments_cannot_be_changed_and_become_no_shows,
    a_cancelled_appointment_cannot_be_rescheduled,
    email_and_phone_blocks_apply_until_their_end,
    a_value_of_the_wrong_type_names_its_field,
    an_email_or_a_phone_holds_at_most_two_active_appointments,
    concurrent_bookings_for_one_email_stop_at_the_limit,
    an_appointment_is_rescheduled_at_most_twice,
);

const BRANCH: &str = "SGR-SHA";
const SERVICE: &str = "passport_renewal";

async fn an_applicant_books_with_a_verified_email(app: TestApp) {
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let token = app.login(&email(7)).await;
    let response = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, SERVICE, date, &start, 7),
        )
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    let reference = body["reference"].as_str().expect("reference");
    assert_eq!(reference.len(), 11);
    assert!(
        reference
            .chars()
            .all(|c| c == '-' || "23456789ABCDEFGHJKLMNPQRSTUVWXYZ".contains(c)),
        "{reference}"
    );
    assert_eq!(body["status"], "booked");
    let qr = body["qr_payload"].as_str().expect("qr_payload");
    let tag = qr
        .strip_prefix(&format!("TMJ1:{reference}:"))
        .expect("TMJ1:<reference>:<tag>");
    assert!(
        tag.len() == 32
            && tag
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()),
        "{qr}"
    );
    assert_eq!(body["branch"]["code"], BRANCH);
    assert_eq!(body["start"], start.as_str());
    assert_eq!(body["applicant"]["id_number_masked"], "******-**-0007");
    // `phone(7)`, "012-000 0007", normalised.
    assert_eq!(body["applicant"]["phone"], "+60120000007");
    assert!(
        body["service"]["documents"]
            .as_array()
            .is_some_and(|d| !d.is_empty())
    );
    let arrive_by =
        chrono::NaiveTime::parse_from_str(&start, "%H:%M").expect("time") - TimeDelta::minutes(30);
    assert_eq!(body["arrive_by"], arrive_by.format("%H:%M").to_string());

    let fetched: Value = app
        .get_auth(&format!("/api/v1/appointments/{reference}"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(fetched, body);
    assert_eq!(app.booked(BRANCH, SERVICE, date, &start), 1);
    let availability = app.availability(BRANCH, SERVICE, date, date).await;
    let slot = availability["days"][0]["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["start"] == start.as_str())
        .cloned()
        .expect("slot");
    assert_eq!(
        slot["remaining"].as_i64(),
        slot["capacity"].as_i64().map(|c| c - 1)
    );
}

async fn every_invalid_field_is_reported_at_once(app: TestApp) {
    let token = app.token_for(&email(1));
    let body = json!({
        "branch": BRANCH, "service": SERVICE, "date": "2027-02-30", "start": "9am",
        "applicant": {
            "name": "R2D2", "id_type": "mykad", "id_number": "900101-17-1234",
            "address": { "line1": "", "postcode": "4000", "city": "Shah Alam", "state": "Atlantis" },
            "phone": "12345", "email": email(1)
        }
    });
    let response = app.post("/api/v1/appointments", Some(&token), &body).await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["type"], "validation_failed");
    let errors: Vec<(String, String)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("date", "invalid_date"),
        ("start", "invalid_format"),
        ("applicant.name", "digits_not_allowed"),
        ("applicant.id_number", "invalid_place_of_birth"),
        ("applicant.address.line1", "required"),
        ("applicant.address.postcode", "invalid_postcode"),
        ("applicant.address.state", "invalid_state"),
        ("applicant.phone", "invalid_phone"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not in {errors:?}"
        );
    }
    assert!(
        problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty()))
    );
}

async fn messages_follow_accept_language(app: TestApp) {
    let token = app.token_for(&email(1));
    let mut body = booking(BRANCH, SERVICE, temujanji_api::clock::today(), "09:00", 1);
    body["applicant"]["postcode"] = json!("x");
    body["applicant"]["address"]["postcode"] = json!("x");
    let mut texts = Vec::new();
    for lang in ["ms", "en-GB,en;q=0.9"] {
        let response = app
            .client
            .post(app.url("/api/v1/appointments"))
            .bearer_auth(&token)
            .header("Accept-Language", lang)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 422);
        let problem: Value = response.json().await.expect("json");
        texts.push((
            problem["title"].as_str().unwrap_or_default().to_owned(),
            problem["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ));
    }
    assert_ne!(texts[0], texts[1], "BM and EN differ");
    assert_eq!(texts[1].0, "Some details are not valid");
}

async fn the_booking_window_is_enforced(app: TestApp) {
    let token = app.token_for(&email(1));
    let today = temujanji_api::clock::today();
    for date in [
        today - TimeDelta::days(7),
        today,
        today
            .checked_add_months(chrono::Months::new(3))
            .expect("date")
            + TimeDelta::days(1),
    ] {
        let response = app
            .post(
                "/api/v1/appointments",
                Some(&token),
                &booking(BRANCH, SERVICE, date, "09:00", 1),
            )
            .await;
        assert_eq!(response.status(), 422, "{date}");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["type"], "outside_booking_window", "{date}");
    }
}

async fn closed_days_and_unknown_slots_are_refused(app: TestApp) {
    let token = app.token_for(&email(1));
    let today = temujanji_api::clock::today();
    let sunday = (1..=7)
        .map(|n| today + TimeDelta::days(n))
        .find(|d| chrono::Datelike::weekday(d) == chrono::Weekday::Sun)
        .expect("a Sunday");
    let closed = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, SERVICE, sunday, "09:00", 1),
        )
        .await;
    assert_eq!(closed.status(), 422);
    let problem: Value = closed.json().await.expect("json");
    assert_eq!(problem["type"], "branch_closed");
    let (date, _) = app.first_free_slot(BRANCH, SERVICE).await;
    for start in ["13:15", "09:07", "23:00"] {
        let response = app
            .post(
                "/api/v1/appointments",
                Some(&token),
                &booking(BRANCH, SERVICE, date, start, 1),
            )
            .await;
        assert_eq!(response.status(), 422, "{start}");
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["type"], "no_such_slot", "{start}");
    }
    let not_offered = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, "permanent_residence", date, "09:00", 1),
        )
        .await;
    assert_eq!(not_offered.status(), 422);
    let unknown = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking("XX-NOWHERE", SERVICE, date, "09:00", 1),
        )
        .await;
    assert_eq!(unknown.status(), 404);
}

async fn one_active_appointment_per_identity_and_service(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let token = app.token_for(&email(3));
    let first = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, SERVICE, slots[0].0, &slots[0].1, 3),
        )
        .await;
    assert_eq!(first.status(), 201);
    let reference = first.json::<Value>().await.expect("json")["reference"]
        .as_str()
        .expect("ref")
        .to_owned();
    let second = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, SERVICE, slots[1].0, &slots[1].1, 3),
        )
        .await;
    assert_eq!(second.status(), 409);
    let problem: Value = second.json().await.expect("json");
    assert_eq!(problem["type"], "duplicate_active_appointment");
    assert_eq!(
        app.booked(BRANCH, SERVICE, slots[1].0, &slots[1].1),
        0,
        "the refused booking took no seat"
    );
    // Another service is fine.
    let other = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, "passport_new", slots[1].0, &slots[1].1, 3),
        )
        .await;
    assert_eq!(other.status(), 201);
    // After cancelling, the same service can be booked again.
    assert_eq!(
        app.post(
            &format!("/api/v1/appointments/{reference}/cancel"),
            Some(&token),
            &json!({})
        )
        .await
        .status(),
        200
    );
    let again = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, SERVICE, slots[1].0, &slots[1].1, 3),
        )
        .await;
    assert_eq!(again.status(), 201);
}

async fn blocked_applicants_are_told_so(app: TestApp) {
    use temujanji_api::db::schema::blocks::dsl;
    let until = temujanji_api::clock::today() + TimeDelta::days(30);
    let mut conn = app.db.connect();
    diesel::insert_into(dsl::blocks)
        .values((
            dsl::kind.eq("identity"),
            dsl::value.eq("mykad:900101100042"),
            // The staff's internal note: never shown to the applicant.
            dsl::reason.eq("Seen reselling slots at counter 3"),
            dsl::category.eq("hoarding"),
            dsl::until.eq(until),
            dsl::created_at.eq(temujanji_api::clock::now_utc()),
        ))
        .execute(&mut conn)
        .expect("insert block");
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let token = app.token_for(&email(42));
    let response = app
        .client
        .post(app.url("/api/v1/appointments"))
        .bearer_auth(&token)
        .header("Accept-Language", "en")
        .json(&booking(BRANCH, SERVICE, date, &start, 42))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["type"], "blocked");
    let detail = problem["detail"].as_str().expect("detail");
    assert!(
        detail.contains("holding more appointments") && detail.contains(&until.to_string()),
        "the category and the end date: {detail}"
    );
    assert!(
        !problem.to_string().contains("reselling"),
        "the internal note stays internal: {problem}"
    );
    // Someone else books normally.
    let other = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&email(43))),
            &booking(BRANCH, SERVICE, date, &start, 43),
        )
        .await;
    assert_eq!(other.status(), 201);
}

async fn cancel_frees_the_seat_at_once(app: TestApp) {
    app.set_seats(BRANCH, SERVICE, 1);
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let first = app.token_for(&email(1));
    let created = app
        .post(
            "/api/v1/appointments",
            Some(&first),
            &booking(BRANCH, SERVICE, date, &start, 1),
        )
        .await;
    assert_eq!(created.status(), 201);
    let reference = created.json::<Value>().await.expect("json")["reference"]
        .as_str()
        .expect("ref")
        .to_owned();
    let second = app.token_for(&email(2));
    let full = app
        .post(
            "/api/v1/appointments",
            Some(&second),
            &booking(BRANCH, SERVICE, date, &start, 2),
        )
        .await;
    assert_eq!(full.status(), 409);
    assert_eq!(
        full.json::<Value>().await.expect("json")["type"],
        "slot_full"
    );

    let cancelled = app
        .post(
            &format!("/api/v1/appointments/{reference}/cancel"),
            Some(&first),
            &json!({}),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(
        cancelled.json::<Value>().await.expect("json")["status"],
        "cancelled"
    );
    assert_eq!(app.booked(BRANCH, SERVICE, date, &start), 0);
    let again = app
        .post(
            &format!("/api/v1/appointments/{reference}/cancel"),
            Some(&first),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(
        again.json::<Value>().await.expect("json")["type"],
        "invalid_status"
    );
    assert_eq!(
        app.booked(BRANCH, SERVICE, date, &start),
        0,
        "a second cancel frees nothing"
    );
    let taken = app
        .post(
            "/api/v1/appointments",
            Some(&second),
            &booking(BRANCH, SERVICE, date, &start, 2),
        )
        .await;
    assert_eq!(
        taken.status(),
        201,
        "the freed seat goes to the next applicant"
    );
}

async fn reschedule_moves_the_seat(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let token = app.token_for(&email(5));
    let created = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, SERVICE, slots[0].0, &slots[0].1, 5),
        )
        .await;
    let reference = created.json::<Value>().await.expect("json")["reference"]
        .as_str()
        .expect("ref")
        .to_owned();
    let moved = app
        .post(
            &format!("/api/v1/appointments/{reference}/reschedule"),
            Some(&token),
            &json!({ "date": slots[1].0.to_string(), "start": slots[1].1 }),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let body: Value = moved.json().await.expect("json");
    assert_eq!(body["start"], slots[1].1.as_str());
    assert_eq!(body["date"], slots[1].0.to_string());
    assert_eq!(body["reference"], reference.as_str());
    assert_eq!(app.booked(BRANCH, SERVICE, slots[0].0, &slots[0].1), 0);
    assert_eq!(app.booked(BRANCH, SERVICE, slots[1].0, &slots[1].1), 1);

    // A full target slot leaves everything as it was.
    app.set_seats(BRANCH, SERVICE, 1);
    let (date, start) = app
        .free_slots(BRANCH, SERVICE, 3)
        .await
        .pop()
        .expect("slot");
    let other = app.token_for(&email(6));
    assert_eq!(
        app.post(
            "/api/v1/appointments",
            Some(&other),
            &booking(BRANCH, SERVICE, date, &start, 6)
        )
        .await
        .status(),
        201
    );
    let refused = app
        .post(
            &format!("/api/v1/appointments/{reference}/reschedule"),
            Some(&token),
            &json!({ "date": date.to_string(), "start": start }),
        )
        .await;
    assert_eq!(refused.status(), 409);
    assert_eq!(
        app.booked(BRANCH, SERVICE, slots[1].0, &slots[1].1),
        1,
        "the old seat is kept"
    );
    assert_eq!(app.booked(BRANCH, SERVICE, date, &start), 1);
    let invalid = app
        .post(
            &format!("/api/v1/appointments/{reference}/reschedule"),
            Some(&token),
            &json!({ "date": "soon" }),
        )
        .await;
    assert_eq!(invalid.status(), 422);
}

async fn the_token_email_must_be_the_applicants(app: TestApp) {
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let token = app.token_for("someone.else@example.com");
    let response = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, SERVICE, date, &start, 1),
        )
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.json::<Value>().await.expect("json")["type"],
        "email_mismatch"
    );
}

async fn the_slip_is_a_pdf_for_its_owner(app: TestApp) {
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let token = app.token_for(&email(8));
    let created = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, SERVICE, date, &start, 8),
        )
        .await;
    let body: Value = created.json().await.expect("json");
    let reference = body["reference"].as_str().expect("ref");
    let path = format!("/api/v1/appointments/{reference}/slip.pdf");
    let response = app.get_auth(&path, &token).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    let pdf = lopdf::Document::load_mem(&bytes).expect("a readable PDF");
    assert_eq!(pdf.get_pages().len(), 1, "one A4 page");
    let text = pdf.extract_text(&[1]).expect("text");
    let arrive_by = body["arrive_by"].as_str().expect("arrive by");
    for expected in [
        reference,
        "Siti Nur'aini binti Ahmad",
        "******-**-0008",
        body["branch"]["name"].as_str().expect("branch"),
        arrive_by,
        "Documents to bring",
        "RM",
        // The status in words, not its code.
        "Ditempah / Booked",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from the slip: {text}"
        );
    }
    assert!(
        !text.contains("900101100008"),
        "the identity number is masked"
    );
    for expected in [
        format!("Arrive by {arrive_by} (30 minutes early)"),
        format!("Sila hadir sebelum {arrive_by} (30 minit awal)"),
        temujanji_shared::rules::PAYMENT_MS.to_owned(),
        temujanji_shared::rules::PAYMENT_EN.to_owned(),
    ] {
        assert!(
            text.contains(&expected),
            "{expected:?} missing from the slip: {text}"
        );
    }
    // The QR code staff scan: decoded from the drawn modules, it is the signed payload.
    let payload = body["qr_payload"].as_str().expect("qr_payload");
    assert_eq!(qr_codes_in(&bytes), vec![payload.to_owned()]);
    let key = temujanji_api::qr_payload::QrKey::derive(JWT_SECRET.as_bytes());
    assert_eq!(
        key.verify(payload).map(|r| r.to_string()).as_deref(),
        Some(reference)
    );
    std::fs::create_dir_all(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/screenshots"
    ))
    .expect("dir");
    std::fs::write(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/screenshots/slip.pdf"
        ),
        &bytes,
    )
    .expect("save");
    let stranger = app.token_for("stranger@example.com");
    assert_eq!(app.get_auth(&path, &stranger).await.status(), 404);
}

fn set_appointment_date(app: &TestApp, reference: &str, date: chrono::NaiveDate) {
    use temujanji_api::db::schema::appointments::dsl;
    let mut conn = app.db.connect();
    let updated = diesel::update(dsl::appointments.filter(dsl::reference.eq(reference)))
        .set(dsl::date.eq(date))
        .execute(&mut conn)
        .expect("update");
    assert_eq!(updated, 1);
}

async fn past_appointments_cannot_be_changed_and_become_no_shows(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let (reference, token) = app.book_applicant(BRANCH, SERVICE, 11, &slots[0]).await;
    set_appointment_date(
        &app,
        &reference,
        temujanji_api::clock::today() - TimeDelta::days(1),
    );
    let path = format!("/api/v1/appointments/{reference}");
    let cancel = app
        .post(&format!("{path}/cancel"), Some(&token), &json!({}))
        .await;
    assert_eq!(cancel.status(), 409);
    assert_eq!(
        cancel.json::<Value>().await.expect("json")["type"],
        "appointment_started"
    );
    let target = json!({ "date": slots[1].0.to_string(), "start": slots[1].1 });
    let moved = app
        .post(&format!("{path}/reschedule"), Some(&token), &target)
        .await;
    assert_eq!(moved.status(), 409);
    assert_eq!(
        moved.json::<Value>().await.expect("json")["type"],
        "appointment_started"
    );
    // The past appointment no longer holds the identity's place for the service.
    let again = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking(BRANCH, SERVICE, slots[1].0, &slots[1].1, 11),
        )
        .await;
    assert_eq!(again.status(), 201);
    let old: Value = app
        .get_auth(&path, &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(old["status"], "no_show");
}

async fn a_cancelled_appointment_cannot_be_rescheduled(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let (reference, token) = app.book_applicant(BRANCH, SERVICE, 12, &slots[0]).await;
    let path = format!("/api/v1/appointments/{reference}");
    assert_eq!(
        app.post(&format!("{path}/cancel"), Some(&token), &json!({}))
            .await
            .status(),
        200
    );
    for slot in &slots {
        let body = json!({ "date": slot.0.to_string(), "start": slot.1 });
        let response = app
            .post(&format!("{path}/reschedule"), Some(&token), &body)
            .await;
        assert_eq!(response.status(), 409, "{slot:?}");
        assert_eq!(
            response.json::<Value>().await.expect("json")["type"],
            "invalid_status"
        );
    }
    assert_eq!(app.booked(BRANCH, SERVICE, slots[0].0, &slots[0].1), 0);
    assert_eq!(app.booked(BRANCH, SERVICE, slots[1].0, &slots[1].1), 0);
}

async fn email_and_phone_blocks_apply_until_their_end(app: TestApp) {
    use temujanji_api::db::schema::blocks::dsl;
    let today = temujanji_api::clock::today();
    let mut conn = app.db.connect();
    for (kind, value, until) in [
        ("email", email(21), today),
        // Applicant 22's phone, `phone(22)` normalised.
        (
            "phone",
            "+60120000022".to_owned(),
            today - TimeDelta::days(1),
        ),
    ] {
        diesel::insert_into(dsl::blocks)
            .values((
                dsl::kind.eq(kind),
                dsl::value.eq(value),
                dsl::reason.eq("Repeated no-shows"),
                dsl::until.eq(until),
                dsl::created_at.eq(temujanji_api::clock::now_utc()),
            ))
            .execute(&mut conn)
            .expect("insert block");
    }
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let blocked = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&email(21))),
            &booking(BRANCH, SERVICE, date, &start, 21),
        )
        .await;
    assert_eq!(
        blocked.status(),
        403,
        "blocked by e-mail until today, inclusive"
    );
    assert_eq!(
        blocked.json::<Value>().await.expect("json")["type"],
        "blocked"
    );
    // Applicant 22's phone was blocked until yesterday.
    let free = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&email(22))),
            &booking(BRANCH, SERVICE, date, &start, 22),
        )
        .await;
    assert_eq!(free.status(), 201, "an expired block no longer applies");
}

async fn a_value_of_the_wrong_type_names_its_field(app: TestApp) {
    let token = app.token_for(&email(1));
    let mut body = booking(BRANCH, SERVICE, temujanji_api::clock::today(), "09:00", 1);
    body["applicant"]["address"]["postcode"] = json!(40000);
    let response = app.post("/api/v1/appointments", Some(&token), &body).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["type"], "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "applicant.address.postcode");
    assert_eq!(problem["errors"][0]["code"], "invalid_type");
    let not_json = app
        .client
        .post(app.url("/api/v1/appointments"))
        .bearer_auth(&token)
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("request");
    assert_eq!(not_json.status(), 400);
    assert_eq!(
        not_json.json::<Value>().await.expect("json")["type"],
        "bad_request"
    );
    let broken = app
        .client
        .post(app.url("/api/v1/appointments"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("{\"branch\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(broken.status(), 400);
    // A body over the limit is 413 with its own type.
    let mut huge = booking(BRANCH, SERVICE, temujanji_api::clock::today(), "09:00", 1);
    huge["applicant"]["name"] = json!("A".repeat(70 * 1024));
    let too_large = app.post("/api/v1/appointments", Some(&token), &huge).await;
    assert_eq!(too_large.status(), 413);
    assert_eq!(
        too_large.json::<Value>().await.expect("json")["type"],
        "content_too_large"
    );
}

/// R5: one e-mail (whatever the identities it types) and one phone hold at most two active
/// appointments across services; a cancellation frees the place.
async fn an_email_or_a_phone_holds_at_most_two_active_appointments(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 4).await;
    let token = app.token_for(&email(1));
    let as_bot = |n: u32, slot: &(chrono::NaiveDate, String)| {
        // Made-up identities (MyKad has no checksum), one e-mail.
        let mut body = booking(BRANCH, SERVICE, slot.0, &slot.1, n);
        body["applicant"]["email"] = json!(email(1));
        body
    };
    let mut references = Vec::new();
    for (n, slot) in [(11, &slots[0]), (12, &slots[1])] {
        let response = app
            .post("/api/v1/appointments", Some(&token), &as_bot(n, slot))
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.expect("json");
        references.push(body["reference"].as_str().expect("reference").to_owned());
    }
    let refused = app
        .post("/api/v1/appointments", Some(&token), &as_bot(13, &slots[2]))
        .await;
    assert_eq!(refused.status(), 409);
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(problem["type"], "too_many_active_appointments");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("e-mel")
    );
    assert_eq!(app.booked(BRANCH, SERVICE, slots[2].0, &slots[2].1), 0);
    let cancelled = app
        .post(
            &format!("/api/v1/appointments/{}/cancel", references[0]),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    let again = app
        .post("/api/v1/appointments", Some(&token), &as_bot(13, &slots[2]))
        .await;
    assert_eq!(again.status(), 201);

    // One phone behind many e-mails.
    for n in [21, 22] {
        let mut body = booking(BRANCH, "passport_new", slots[3].0, &slots[3].1, n);
        body["applicant"]["phone"] = json!(crate::helpers::phone(20));
        let response = app
            .post(
                "/api/v1/appointments",
                Some(&app.token_for(&email(n))),
                &body,
            )
            .await;
        assert_eq!(
            response.status(),
            201,
            "{}",
            response.text().await.unwrap_or_default()
        );
    }
    let mut body = booking(BRANCH, "passport_new", slots[3].0, &slots[3].1, 23);
    body["applicant"]["phone"] = json!(crate::helpers::phone(20));
    let refused = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&email(23))),
            &body,
        )
        .await;
    assert_eq!(refused.status(), 409);
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(problem["type"], "too_many_active_appointments");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("telefon")
    );
}

/// R5: concurrent bookings for one e-mail cannot slip past the limit together.
async fn concurrent_bookings_for_one_email_stop_at_the_limit(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 6).await;
    let token = app.token_for(&email(1));
    let mut tasks = tokio::task::JoinSet::new();
    for (n, slot) in slots.iter().enumerate() {
        let n = u32::try_from(n).expect("small") + 30;
        let mut body = booking(BRANCH, SERVICE, slot.0, &slot.1, n);
        body["applicant"]["email"] = json!(email(1));
        let request = app
            .client
            .post(app.url("/api/v1/appointments"))
            .bearer_auth(&token)
            .json(&body);
        tasks.spawn(async move { request.send().await.expect("request").status().as_u16() });
    }
    let mut statuses = tasks.join_all().await;
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 201, 409, 409, 409, 409]);
}

/// R5: an appointment is moved at most twice.
async fn an_appointment_is_rescheduled_at_most_twice(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 4).await;
    let (reference, token) = app.book_applicant(BRANCH, SERVICE, 1, &slots[0]).await;
    let path = format!("/api/v1/appointments/{reference}/reschedule");
    for slot in &slots[1..3] {
        let moved = app
            .post(
                &path,
                Some(&token),
                &json!({ "date": slot.0.to_string(), "start": slot.1 }),
            )
            .await;
        assert_eq!(moved.status(), 200);
    }
    let refused = app
        .post(
            &path,
            Some(&token),
            &json!({ "date": slots[3].0.to_string(), "start": slots[3].1 }),
        )
        .await;
    assert_eq!(refused.status(), 409);
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(problem["type"], "reschedule_limit_reached");
    assert_eq!(app.booked(BRANCH, SERVICE, slots[2].0, &slots[2].1), 1);
    assert_eq!(app.booked(BRANCH, SERVICE, slots[3].0, &slots[3].1), 0);
}
