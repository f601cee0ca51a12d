//! Staff: sessions (rotation, reuse, lockout, logout, disabling), the counter (check-in by QR
//! or reference, late arrivals, serving with a payment, no-shows, cancelling), the day's
//! board, the audit log, and the route x role x branch matrix, on both backends.

use chrono::{NaiveTime, TimeDelta};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{JWT_SECRET, STAFF_PASSWORD, TestApp, both_backends, malaysian_now_plus};

both_backends!(
    the_audit_log_is_searchable_and_scoped,
    report_figures_equal_counts_from_the_tables,
    blocks_are_made_listed_and_lifted_by_supervisors,
    three_strikes_block_the_identity,
    the_queue_calls_in_arrival_order_and_the_hall_sees_no_names,
    administrators_manage_staff_and_changes_end_sessions,
    a_password_change_ends_every_session,
    sessions_rotate_and_a_reused_refresh_token_revokes_the_session,
    five_failed_logins_lock_the_username,
    logout_and_disabling_take_effect_on_the_next_request,
    tokens_of_other_audiences_are_refused,
    check_in_by_qr_and_by_reference,
    a_tampered_or_foreign_qr_is_refused,
    another_branch_or_day_is_refused_clearly,
    serving_records_the_payment_and_transitions_are_enforced,
    a_late_arrival_is_cancelled_with_a_reason_and_told,
    no_shows_by_hand_and_by_the_sweep,
    the_day_board_counts_equal_the_table,
    every_staff_action_is_audited,
    every_staff_route_by_role_and_branch,
    a_squatted_identity_is_freed_by_voiding_and_its_maker_blocked,
    voided_bookings_are_never_strikes_against_the_identity,
);

const BRANCH: &str = "SGR-SHA";
const OTHER_BRANCH: &str = "PJY-HQ";
const SERVICE: &str = "passport_renewal";

async fn problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Books applicant `n` at [`BRANCH`] and moves the appointment to today at `start`.
async fn booked_today(app: &TestApp, n: u32, start: NaiveTime) -> (String, Value) {
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (reference, token) = app.book_applicant(BRANCH, SERVICE, n, &slot).await;
    app.move_to_today(&reference, start, 30);
    let body: Value = app
        .get_auth(&format!("/api/v1/appointments/{reference}"), &token)
        .await
        .json()
        .await
        .expect("json");
    (reference, body)
}

fn status_of(app: &TestApp, reference: &str) -> String {
    use temujanji_api::db::schema::appointments::dsl;
    dsl::appointments
        .filter(dsl::reference.eq(reference))
        .select(dsl::status)
        .first::<String>(&mut app.db.connect())
        .expect("status")
}

async fn the_audit_log_is_searchable_and_scoped(app: TestApp) {
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    let elsewhere = app
        .staff_token("lain", "supervisor", Some(OTHER_BRANCH))
        .await;
    let admin = app.staff_token("ketua", "admin", None).await;
    let (reference, _) = booked_today(&app, 1, malaysian_now_plus(0)).await;
    let checked = app
        .post(
            "/api/v1/staff/check-ins",
            Some(&officer),
            &json!({ "reference": reference }),
        )
        .await;
    assert_eq!(checked.status(), 200);
    let search = |query: String, token: String| {
        let app = &app;
        async move {
            let response = app
                .get_auth(&format!("/api/v1/staff/audit{query}"), &token)
                .await;
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let actions = |entries: &Value| -> Vec<String> {
        entries
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["action"].as_str().map(str::to_owned))
            .collect()
    };
    let (status, entries) = search(format!("?reference={reference}"), supervisor.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(
        actions(&entries),
        ["appointment.checked_in", "appointment.booked"]
    );
    assert_eq!(entries[0]["actor"], "staff:siti");
    assert_eq!(entries[0]["before"]["status"], "booked");
    assert_eq!(entries[0]["after"]["status"], "checked_in");
    let (_, by_staff) = search("?staff=siti".into(), supervisor.clone()).await;
    assert_eq!(
        actions(&by_staff),
        ["appointment.checked_in", "staff.login"]
    );
    let today = temujanji_api::clock::today();
    let (_, dated) = search(
        format!("?from={today}&to={today}&staff=siti"),
        admin.clone(),
    )
    .await;
    assert_eq!(actions(&dated).len(), 2);
    let (_, yesterday) = search(
        format!("?to={}&staff=siti", today - TimeDelta::days(1)),
        admin.clone(),
    )
    .await;
    assert_eq!(actions(&yesterday).len(), 0);
    // Pages.
    let (_, first) = search("?limit=1".into(), admin.clone()).await;
    let last_id = first[0]["id"].as_i64().expect("id");
    let (_, next) = search(format!("?limit=1&before={last_id}"), admin.clone()).await;
    assert!(next[0]["id"].as_i64().expect("id") < last_id);
    // Scope: another branch's supervisor sees none of it and may not ask for it.
    let (_, theirs) = search(format!("?reference={reference}"), elsewhere.clone()).await;
    assert_eq!(actions(&theirs).len(), 0);
    assert_eq!(search(format!("?branch={BRANCH}"), elsewhere).await.0, 403);
    assert_eq!(search(String::new(), officer).await.0, 403);
}

async fn report_figures_equal_counts_from_the_tables(app: TestApp) {
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    let admin = app.staff_token("ketua", "admin", None).await;
    // One seat per slot: the last booking below meets a full slot.
    app.set_seats(BRANCH, SERVICE, 1);
    // Today: served (late), no-show, cancelled at the counter, still booked.
    let mut today_refs = Vec::new();
    for n in 1..=4 {
        today_refs.push(booked_today(&app, n, malaysian_now_plus(0)).await.0);
    }
    let act = |path: String, body: Value| {
        let app = &app;
        let officer = officer.clone();
        async move { app.post(&path, Some(&officer), &body).await.status() }
    };
    for r in &today_refs[..2] {
        assert_eq!(
            act("/api/v1/staff/check-ins".into(), json!({ "reference": r })).await,
            200
        );
    }
    let r = &today_refs;
    assert_eq!(
        act(
            format!("/api/v1/staff/appointments/{}/serve", r[0]),
            json!({ "amount_sen": 20000, "approval_code": "ABC123" })
        )
        .await,
        200
    );
    assert_eq!(
        act(
            format!("/api/v1/staff/appointments/{}/cancel", r[1]),
            json!({ "reason": "late" })
        )
        .await,
        200
    );
    assert_eq!(
        act(
            format!("/api/v1/staff/appointments/{}/no-show", r[2]),
            json!({})
        )
        .await,
        200
    );
    // A future slot with one seat: one booking, one refusal (unmet demand).
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    app.book_applicant(BRANCH, SERVICE, 10, &slot).await;
    let refused = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&crate::helpers::email(11))),
            &crate::helpers::booking(BRANCH, SERVICE, slot.0, &slot.1, 11),
        )
        .await;
    assert_eq!(refused.status(), 409);

    let today = temujanji_api::clock::today();
    let query = format!(
        "/api/v1/staff/reports?branch={BRANCH}&from={today}&to={}",
        slot.0
    );
    let response = app.get_auth(&query, &supervisor).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.expect("json");
    // Counted independently, from the tables.
    use temujanji_api::db::schema::appointments::dsl;
    let rows: Vec<(String, Option<bool>)> = dsl::appointments
        .filter(dsl::branch_code.eq(BRANCH))
        .filter(dsl::date.between(today, slot.0))
        .select((dsl::status, dsl::late))
        .load(&mut app.db.connect())
        .expect("rows");
    let count = |status: &str| rows.iter().filter(|(s, _)| s == status).count() as i64;
    let totals = &report["totals"];
    assert_eq!(totals["booked"], rows.len() as i64);
    assert_eq!(totals["served"], count("completed"));
    assert_eq!(totals["no_show"], count("no_show"));
    assert_eq!(totals["cancelled"], count("cancelled"));
    assert_eq!(
        totals["late"],
        rows.iter().filter(|(_, l)| *l == Some(true)).count() as i64
    );
    assert_eq!(
        report["seats_taken"],
        rows.len() as i64 - count("cancelled")
    );
    assert_eq!(report["refused_full"], 1);
    // The capacity of the slot's day equals what availability publishes for it, summed over
    // the branch's services.
    let services: Value = app
        .get("/api/v1/branches")
        .await
        .json()
        .await
        .expect("json");
    let offered: Vec<String> = services
        .as_array()
        .expect("branches")
        .iter()
        .find(|b| b["code"] == BRANCH)
        .and_then(|b| b["services"].as_array())
        .expect("services")
        .iter()
        .filter_map(|s| s["service"].as_str().map(str::to_owned))
        .collect();
    assert!(!offered.is_empty());
    let mut capacity = 0;
    for service in &offered {
        let day: Value = app.availability(BRANCH, service, slot.0, slot.0).await;
        capacity += day["days"][0]["slots"]
            .as_array()
            .expect("slots")
            .iter()
            .map(|s| s["capacity"].as_i64().expect("capacity"))
            .sum::<i64>();
    }
    let slot_day = report["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["date"] == slot.0.to_string())
        .cloned()
        .expect("the slot's day");
    assert_eq!(slot_day["capacity"], capacity);
    assert_eq!(slot_day["refused_full"], 1);
    // CSV: one line per day and the totals.
    let csv = app
        .client
        .get(app.url(&query))
        .bearer_auth(&supervisor)
        .header("Accept", "text/csv")
        .send()
        .await
        .expect("request");
    assert_eq!(
        csv.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let text = csv.text().await.expect("csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        report["days"].as_array().map_or(0, Vec::len) + 2
    );
    assert!(lines[0].starts_with("date,capacity,seats_taken"));
    assert!(lines.last().is_some_and(|l| l.starts_with(&format!(
        "total,{},{}",
        report["capacity"], report["seats_taken"]
    ))));
    // Scope.
    assert_eq!(app.get_auth(&query, &officer).await.status(), 403);
    assert_eq!(
        app.get_auth("/api/v1/staff/reports", &supervisor)
            .await
            .status(),
        403,
        "all branches: administrators only"
    );
    let all: Value = app
        .get_auth("/api/v1/staff/reports", &admin)
        .await
        .json()
        .await
        .expect("json");
    assert!(all["branch"].is_null());
    let too_long = format!("/api/v1/staff/reports?branch={BRANCH}&from=2020-01-01&to=2026-01-01");
    assert_eq!(app.get_auth(&too_long, &supervisor).await.status(), 422);
}

async fn blocks_are_made_listed_and_lifted_by_supervisors(app: TestApp) {
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let until = temujanji_api::clock::today() + TimeDelta::days(10);
    let form = json!({ "kind": "mykad", "value": crate::helpers::mykad(5), "category": "fraud",
                       "note": "Used a forged letter at counter 2", "until": until.to_string() });
    assert_eq!(
        app.post("/api/v1/staff/blocks", Some(&officer), &form)
            .await
            .status(),
        403,
        "officers do not block"
    );
    let (status, bad) = problem(
        app.post(
            "/api/v1/staff/blocks",
            Some(&supervisor),
            &json!({ "kind": "mykad", "value": "123", "category": "fraud", "note": " ",
                     "until": "2020-01-01" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["value", "until", "note"]);
    let created = app
        .post("/api/v1/staff/blocks", Some(&supervisor), &form)
        .await;
    assert_eq!(created.status(), 201);
    let block: Value = created.json().await.expect("json");
    assert_eq!(
        block["value"],
        format!("mykad:{}", crate::helpers::mykad(5).replace('-', ""))
    );
    assert_eq!(block["created_by"], "staff:penyelia");

    // The applicant is told the category and the end date, never the note.
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let token = app.token_for(&crate::helpers::email(5));
    let refused = app
        .client
        .post(app.url("/api/v1/appointments"))
        .bearer_auth(&token)
        .header("Accept-Language", "en")
        .json(&crate::helpers::booking(
            BRANCH, SERVICE, slot.0, &slot.1, 5,
        ))
        .send()
        .await
        .expect("request");
    let (status, body) = problem(refused).await;
    assert_eq!((status, body["type"].as_str()), (403, Some("blocked")));
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        detail.contains("false booking details") && detail.contains(&until.to_string()),
        "{detail}"
    );
    assert!(!body.to_string().contains("forged"), "{body}");

    let listed: Value = app
        .get_auth("/api/v1/staff/blocks?active=true", &supervisor)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let lift = format!("/api/v1/staff/blocks/{}/lift", block["id"]);
    assert_eq!(
        app.post(&lift, Some(&supervisor), &json!({ "reason": "" }))
            .await
            .status(),
        422
    );
    let lifted = app
        .post(
            &lift,
            Some(&supervisor),
            &json!({ "reason": "Letter verified with JPN" }),
        )
        .await;
    assert_eq!(lifted.status(), 200);
    let lifted: Value = lifted.json().await.expect("json");
    assert_eq!(lifted["lift_reason"], "Letter verified with JPN");
    assert_eq!(
        app.post(&lift, Some(&supervisor), &json!({ "reason": "again" }))
            .await
            .status(),
        409
    );
    let active: Value = app
        .get_auth("/api/v1/staff/blocks?active=true", &supervisor)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(active.as_array().map(Vec::len), Some(0));
    let all: Value = app
        .get_auth("/api/v1/staff/blocks", &supervisor)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(1),
        "a lifted block stays on record"
    );
    app.book_applicant(BRANCH, SERVICE, 5, &slot).await;
    use temujanji_api::db::schema::audit_events::dsl;
    let actions: Vec<String> = dsl::audit_events
        .filter(dsl::subject.eq(format!("block:{}", block["id"])))
        .order(dsl::id)
        .select(dsl::action)
        .load(&mut app.db.connect())
        .expect("audit");
    assert_eq!(actions, ["block.created", "block.lifted"]);
}

/// R5: three no-shows or late cancellations within 90 days block the identity for 30 days.
async fn three_strikes_block_the_identity(app: TestApp) {
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    let act = |path: String, body: Value| {
        let app = &app;
        let officer = officer.clone();
        async move { app.post(&path, Some(&officer), &body).await.status() }
    };
    let key = format!("mykad:{}", crate::helpers::mykad(9).replace('-', ""));
    let rule_blocks = |app: &TestApp| -> i64 {
        use temujanji_api::db::schema::blocks::dsl;
        dsl::blocks
            .filter(dsl::value.eq(&key))
            .filter(dsl::created_by.eq("rule"))
            .count()
            .get_result(&mut app.db.connect())
            .expect("blocks")
    };
    // Two no-shows.
    for _ in 0..2 {
        let (reference, _) = booked_today(&app, 9, malaysian_now_plus(0)).await;
        assert_eq!(
            act(
                format!("/api/v1/staff/appointments/{reference}/no-show"),
                json!({})
            )
            .await,
            200
        );
        assert_eq!(rule_blocks(&app), 0);
    }
    // A late arrival cancelled at the counter: a cancellation under 24 hours before the start.
    let (reference, _) = booked_today(&app, 9, malaysian_now_plus(0)).await;
    assert_eq!(
        act(
            "/api/v1/staff/check-ins".into(),
            json!({ "reference": reference })
        )
        .await,
        200
    );
    assert_eq!(
        act(
            format!("/api/v1/staff/appointments/{reference}/cancel"),
            json!({ "reason": "arrived late" })
        )
        .await,
        200
    );
    assert_eq!(rule_blocks(&app), 1, "the third strike blocks");
    let blocks: Value = app
        .get_auth("/api/v1/staff/blocks?active=true", &supervisor)
        .await
        .json()
        .await
        .expect("json");
    let block = &blocks[0];
    assert_eq!(block["category"], "no_shows");
    assert_eq!(
        block["until"],
        (temujanji_api::clock::today() + TimeDelta::days(30)).to_string()
    );
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let token = app.token_for(&crate::helpers::email(9));
    let (status, body) = problem(
        app.post(
            "/api/v1/appointments",
            Some(&token),
            &crate::helpers::booking(BRANCH, SERVICE, slot.0, &slot.1, 9),
        )
        .await,
    )
    .await;
    assert_eq!((status, body["type"].as_str()), (403, Some("blocked")));
    // Staff lift it; the identity books again.
    let lifted = app
        .post(
            &format!("/api/v1/staff/blocks/{}/lift", block["id"]),
            Some(&supervisor),
            &json!({ "reason": "hospital letter" }),
        )
        .await;
    assert_eq!(lifted.status(), 200);
    app.book_applicant(BRANCH, SERVICE, 9, &slot).await;
}

async fn the_queue_calls_in_arrival_order_and_the_hall_sees_no_names(app: TestApp) {
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let mut references = Vec::new();
    for n in 1..=4 {
        references.push(booked_today(&app, n, malaysian_now_plus(0)).await.0);
    }
    // They arrive in the order 2, 1, 3, 4.
    for i in [1, 0, 2, 3] {
        let checked = app
            .post(
                "/api/v1/staff/check-ins",
                Some(&officer),
                &json!({ "reference": references[i] }),
            )
            .await;
        assert_eq!(checked.status(), 200);
    }
    let queue: Value = app
        .get_auth(&format!("/api/v1/staff/branches/{BRANCH}/queue"), &officer)
        .await
        .json()
        .await
        .expect("json");
    let waiting: Vec<&str> = queue["waiting"]
        .as_array()
        .expect("waiting")
        .iter()
        .filter_map(|w| w["reference"].as_str())
        .collect();
    let order = [
        &references[1],
        &references[0],
        &references[2],
        &references[3],
    ];
    assert_eq!(waiting, order.map(String::as_str));
    let call = |counter: &'static str| {
        let app = &app;
        let officer = officer.clone();
        async move {
            app.post(
                &format!("/api/v1/staff/branches/{BRANCH}/queue/call-next"),
                Some(&officer),
                &json!({ "counter": counter }),
            )
            .await
        }
    };
    let first: Value = call("3").await.json().await.expect("json");
    assert_eq!(first["appointment"]["reference"], references[1].as_str());
    // Two counters call at once: two different people.
    let (a, b) = tokio::join!(call("1"), call("a2"));
    let (a, b): (Value, Value) = (a.json().await.expect("json"), b.json().await.expect("json"));
    let mut both = [
        a["appointment"]["reference"]
            .as_str()
            .expect("a")
            .to_owned(),
        b["appointment"]["reference"]
            .as_str()
            .expect("b")
            .to_owned(),
    ];
    both.sort();
    let mut expected = [references[0].clone(), references[2].clone()];
    expected.sort();
    assert_eq!(both, expected);
    assert_eq!(call("!!").await.status(), 422);
    // The hall: references and counters, newest first; no names, no e-mails.
    let hall = app.get(&format!("/api/v1/display/{BRANCH}")).await;
    assert_eq!(hall.status(), 200);
    let hall: Value = hall.json().await.expect("json");
    assert_eq!(hall["waiting"], 1);
    let counters: Vec<&str> = hall["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .filter_map(|c| c["counter"].as_str())
        .collect();
    assert_eq!(counters.len(), 3);
    assert_eq!(counters.last(), Some(&"3"));
    assert!(counters.contains(&"A2"));
    let text = hall.to_string();
    assert!(!text.contains('@') && !text.contains("Siti"), "{text}");
    assert_eq!(call("4").await.status(), 200);
    assert_eq!(call("4").await.status(), 204, "nobody left");
    assert_eq!(app.get("/api/v1/display/NO-SUCH").await.status(), 404);
}

async fn administrators_manage_staff_and_changes_end_sessions(app: TestApp) {
    let admin = app.staff_token("ketua", "admin", None).await;
    let create = |body: Value, token: String| {
        let app = &app;
        async move { problem(app.post("/api/v1/staff/users", Some(&token), &body).await).await }
    };
    let officer = json!({ "username": "Siti.Aminah", "password": STAFF_PASSWORD,
                          "role": "officer", "branch": BRANCH });
    let (status, body) = create(officer.clone(), admin.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (
            body["username"].as_str(),
            body["role"].as_str(),
            body["branch"].as_str()
        ),
        (Some("siti.aminah"), Some("officer"), Some(BRANCH))
    );
    let (status, body) = create(officer.clone(), admin.clone()).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (422, Some("taken"))
    );
    let mut weak = officer.clone();
    weak["username"] = "another".into();
    weak["password"] = "Password1234".into();
    let (status, body) = create(weak, admin.clone()).await;
    assert_eq!(
        (
            status,
            body["errors"][0]["field"].as_str(),
            body["errors"][0]["code"].as_str()
        ),
        (422, Some("password"), Some("common_password"))
    );
    let mut no_branch = officer.clone();
    no_branch["username"] = "another".into();
    no_branch["branch"] = Value::Null;
    assert_eq!(create(no_branch, admin.clone()).await.0, 422);
    // A supervisor is not an administrator.
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    let mut other = officer.clone();
    other["username"] = "another".into();
    assert_eq!(create(other, supervisor).await.0, 403);

    // Re-roling ends the account's sessions; the next sign-in carries the new role.
    let session = app.staff_session("siti.aminah").await;
    let token = session["access_token"].as_str().expect("token");
    let day = format!("/api/v1/staff/branches/{BRANCH}/day");
    assert_eq!(app.get_auth(&day, token).await.status(), 200);
    let patch = |body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.send(
                Method::PATCH,
                "/api/v1/staff/users/siti.aminah",
                Some(&admin),
                Some(&body),
            )
            .await
        }
    };
    let rerole = patch(json!({ "role": "supervisor", "branch": BRANCH })).await;
    assert_eq!(rerole.status(), 200);
    assert_eq!(app.get_auth(&day, token).await.status(), 401);
    let listed: Value = app
        .get_auth("/api/v1/staff/users", &admin)
        .await
        .json()
        .await
        .expect("json");
    let entry = listed
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["username"] == "siti.aminah")
        .cloned()
        .expect("listed");
    assert_eq!(entry["role"], "supervisor");
    // Disabled: no sign-in; enabled again: sign-in works.
    assert_eq!(patch(json!({ "disabled": true })).await.status(), 200);
    let refused = app
        .post(
            "/api/v1/staff/session",
            None,
            &json!({ "username": "siti.aminah", "password": STAFF_PASSWORD }),
        )
        .await;
    assert_eq!(refused.status(), 401);
    assert_eq!(patch(json!({ "disabled": false })).await.status(), 200);
    app.staff_session("siti.aminah").await;
    let missing = app
        .send(
            Method::PATCH,
            "/api/v1/staff/users/nobody",
            Some(&admin),
            Some(&json!({ "disabled": true })),
        )
        .await;
    assert_eq!(missing.status(), 404);
    use temujanji_api::db::schema::audit_events::dsl;
    let audited: i64 = dsl::audit_events
        .filter(dsl::subject.eq("siti.aminah"))
        .filter(dsl::action.eq_any(["staff.created", "staff.updated"]))
        .count()
        .get_result(&mut app.db.connect())
        .expect("audit");
    assert_eq!(audited, 4, "created, re-roled, disabled, enabled");
}

async fn a_password_change_ends_every_session(app: TestApp) {
    let token = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let other = app.staff_session("siti").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let change = |current: &str, new: &str| {
        let body = json!({ "current_password": current, "new_password": new });
        let app = &app;
        let token = token.clone();
        async move {
            problem(
                app.post("/api/v1/staff/password", Some(&token), &body)
                    .await,
            )
            .await
        }
    };
    let (status, body) = change("not my password", "a brand new counter phrase").await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("current_password"))
    );
    let (status, body) = change(STAFF_PASSWORD, "siti siti siti siti").await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (422, Some("password_contains_username"))
    );
    assert_eq!(
        change(STAFF_PASSWORD, "a brand new counter phrase").await.0,
        204
    );
    let day = format!("/api/v1/staff/branches/{BRANCH}/day");
    assert_eq!(app.get_auth(&day, &token).await.status(), 401);
    assert_eq!(app.get_auth(&day, &other).await.status(), 401);
    let old = app
        .post(
            "/api/v1/staff/session",
            None,
            &json!({ "username": "siti", "password": STAFF_PASSWORD }),
        )
        .await;
    assert_eq!(old.status(), 401);
    let new = app
        .post(
            "/api/v1/staff/session",
            None,
            &json!({ "username": "siti", "password": "a brand new counter phrase" }),
        )
        .await;
    assert_eq!(new.status(), 200);
}

async fn sessions_rotate_and_a_reused_refresh_token_revokes_the_session(app: TestApp) {
    let app = &app;
    app.create_staff("siti", "officer", Some(BRANCH));
    let first = app.staff_session("siti").await;
    assert!(first["expires_in"].as_i64().expect("expires_in") <= 15 * 60);
    let access = first["access_token"].as_str().expect("access");
    let day = format!("/api/v1/staff/branches/{BRANCH}/day");
    assert_eq!(app.get_auth(&day, access).await.status(), 200);

    let refresh = |token: &str| {
        let body = json!({ "refresh_token": token });
        async move { app.post("/api/v1/staff/session/refresh", None, &body).await }
    };
    let old_refresh = first["refresh_token"].as_str().expect("refresh").to_owned();
    let rotated = refresh(&old_refresh).await;
    assert_eq!(rotated.status(), 200);
    let second: Value = rotated.json().await.expect("json");
    let new_refresh = second["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    assert_ne!(new_refresh, old_refresh, "rotated on every use");
    let new_access = second["access_token"].as_str().expect("access").to_owned();
    assert_eq!(app.get_auth(&day, &new_access).await.status(), 200);

    // Someone replays the spent token: the whole session is revoked.
    let (status, body) = problem(refresh(&old_refresh).await).await;
    assert_eq!((status, body["type"].as_str()), (401, Some("unauthorized")));
    assert_eq!(app.get_auth(&day, &new_access).await.status(), 401);
    assert_eq!(refresh(&new_refresh).await.status(), 401);
    // A made-up token is refused too.
    assert_eq!(refresh("not-a-token").await.status(), 401);
    // Signing in again works.
    app.staff_session("siti").await;
}

async fn five_failed_logins_lock_the_username(app: TestApp) {
    let app = &app;
    app.create_staff("aminah", "officer", Some(BRANCH));
    let attempt = |password: &'static str| {
        let body = json!({ "username": "aminah", "password": password });
        async move { app.post("/api/v1/staff/session", None, &body).await }
    };
    for _ in 0..5 {
        let (status, body) = problem(attempt("wrong password, sorry").await).await;
        assert_eq!(
            (status, body["type"].as_str()),
            (401, Some("invalid_credentials"))
        );
    }
    let locked = attempt(STAFF_PASSWORD).await;
    assert_eq!(locked.status(), 429, "locked even with the right password");
    let retry: i64 = locked
        .headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    assert_eq!(
        locked.json::<Value>().await.expect("json")["type"],
        "rate_limited"
    );
    // The lock is in the database: every instance sees it (see processes.rs for two
    // processes); another username is not affected.
    app.create_staff("faridah", "officer", Some(BRANCH));
    app.staff_session("faridah").await;
    // An unknown username answers exactly like a wrong password.
    let (status, body) = problem(
        app.post(
            "/api/v1/staff/session",
            None,
            &json!({ "username": "nobody", "password": "wrong password, sorry" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["type"].as_str()),
        (401, Some("invalid_credentials"))
    );
}

async fn logout_and_disabling_take_effect_on_the_next_request(app: TestApp) {
    let day = format!("/api/v1/staff/branches/{BRANCH}/day");
    let token = app.staff_token("hafiz", "officer", Some(BRANCH)).await;
    assert_eq!(app.get_auth(&day, &token).await.status(), 200);
    let out = app
        .send(Method::DELETE, "/api/v1/staff/session", Some(&token), None)
        .await;
    assert_eq!(out.status(), 204);
    assert_eq!(app.get_auth(&day, &token).await.status(), 401, "logged out");

    let token = app.staff_token("zainal", "officer", Some(BRANCH)).await;
    let second = app.staff_session("zainal").await;
    assert_eq!(app.get_auth(&day, &token).await.status(), 200);
    {
        use temujanji_api::db::schema::staff_users::dsl;
        diesel::update(dsl::staff_users.filter(dsl::username.eq("zainal")))
            .set(dsl::disabled_at.eq(temujanji_api::clock::now_utc()))
            .execute(&mut app.db.connect())
            .expect("disable");
    }
    assert_eq!(app.get_auth(&day, &token).await.status(), 401, "disabled");
    let refreshed = app
        .post(
            "/api/v1/staff/session/refresh",
            None,
            &json!({ "refresh_token": second["refresh_token"] }),
        )
        .await;
    assert_eq!(refreshed.status(), 401, "a disabled user cannot refresh");
    let login = app
        .post(
            "/api/v1/staff/session",
            None,
            &json!({ "username": "zainal", "password": STAFF_PASSWORD }),
        )
        .await;
    assert_eq!(login.status(), 401, "nor sign in");
}

async fn tokens_of_other_audiences_are_refused(app: TestApp) {
    let day = format!("/api/v1/staff/branches/{BRANCH}/day");
    let applicant = app.token_for("siti@example.com");
    assert_eq!(app.get_auth(&day, &applicant).await.status(), 401);
    // An applicant-key token that claims the staff audience.
    let email = temujanji_shared::email::EmailAddress::parse("siti@example.com").expect("valid");
    let forged = app
        .keys
        .issue_with(&email, temujanji_api::staff::sessions::AUDIENCE, 600)
        .expect("signed");
    assert_eq!(app.get_auth(&day, &forged).await.status(), 401);
    // `alg: none` with the staff claims.
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let now = chrono::Utc::now().timestamp();
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(&json!({ "sub": "1", "sid": 1, "iss": "temujanji",
                     "aud": temujanji_api::staff::sessions::AUDIENCE, "iat": now, "exp": now + 600 }))
    );
    assert_eq!(app.get_auth(&day, &unsigned).await.status(), 401);
    // A staff token is not an applicant token.
    let staff = app.staff_token("rahim", "admin", None).await;
    assert_eq!(app.get_auth(&day, &staff).await.status(), 200);
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (reference, _) = app.book_applicant(BRANCH, SERVICE, 3, &slot).await;
    assert_eq!(
        app.get_auth(&format!("/api/v1/appointments/{reference}"), &staff)
            .await
            .status(),
        401
    );
    // A tampered signature.
    let mut tampered = staff.clone();
    let last = tampered.pop().expect("a character");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(app.get_auth(&day, &tampered).await.status(), 401);
}

async fn check_in_by_qr_and_by_reference(app: TestApp) {
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    // Starts now: arriving now is later than 30 minutes before, so late (R4).
    let (late_ref, late_body) = booked_today(&app, 1, malaysian_now_plus(0)).await;
    let qr = late_body["qr_payload"].as_str().expect("qr");
    let response = app
        .post(
            "/api/v1/staff/check-ins",
            Some(&officer),
            &json!({ "qr": qr }),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["appointment"]["reference"], late_ref.as_str());
    assert_eq!(body["appointment"]["status"], "checked_in");
    assert_eq!(body["counter"]["late"], true);
    // R8: the full identity number, to compare with the document.
    assert_eq!(
        body["counter"]["id_number"],
        crate::helpers::mykad(1).replace('-', "")
    );
    assert_eq!(status_of(&app, &late_ref), "checked_in");

    // Typed reference, in time: a start far enough ahead today (not possible in the last
    // half hour of the day, when every slot of today is "late").
    let on_time_start = malaysian_now_plus(45);
    if on_time_start > malaysian_now_plus(0) {
        let (reference, _) = booked_today(&app, 2, on_time_start).await;
        let typed = app
            .post(
                "/api/v1/staff/check-ins",
                Some(&officer),
                &json!({ "reference": reference.to_lowercase() }),
            )
            .await;
        assert_eq!(typed.status(), 200);
        let body: Value = typed.json().await.expect("json");
        assert_eq!(body["counter"]["late"], false);
    }

    // Twice is refused.
    let (status, body) = problem(
        app.post(
            "/api/v1/staff/check-ins",
            Some(&officer),
            &json!({ "qr": qr }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["type"].as_str()),
        (409, Some("invalid_status"))
    );
    // Nothing to check in with.
    let (status, body) = problem(
        app.post("/api/v1/staff/check-ins", Some(&officer), &json!({}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("reference"))
    );
}

async fn a_tampered_or_foreign_qr_is_refused(app: TestApp) {
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let (reference, body) = booked_today(&app, 1, malaysian_now_plus(0)).await;
    let qr = body["qr_payload"].as_str().expect("qr").to_owned();
    let mut tampered = qr.clone();
    let last = tampered.pop().expect("a character");
    tampered.push(if last == '0' { '1' } else { '0' });
    let parsed = temujanji_shared::reference::Reference::parse(&reference).expect("reference");
    let foreign = temujanji_api::qr_payload::QrKey::derive(b"another server's secret, 32 bytes!")
        .payload(&parsed);
    for bad in [
        tampered,
        foreign,
        "TMJ1:hello".to_owned(),
        "https://example.com".to_owned(),
    ] {
        let (status, body) = problem(
            app.post(
                "/api/v1/staff/check-ins",
                Some(&officer),
                &json!({ "qr": bad }),
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, body["type"].as_str()),
            (422, Some("invalid_qr")),
            "{bad}"
        );
    }
    assert_eq!(status_of(&app, &reference), "booked");
    // The genuine one works.
    let ok = app
        .post(
            "/api/v1/staff/check-ins",
            Some(&officer),
            &json!({ "qr": qr }),
        )
        .await;
    assert_eq!(ok.status(), 200);
    // The QR key is the server's own.
    assert!(
        temujanji_api::qr_payload::QrKey::derive(JWT_SECRET.as_bytes())
            .verify(&qr)
            .is_some()
    );
}

async fn another_branch_or_day_is_refused_clearly(app: TestApp) {
    let elsewhere = app.staff_token("ali", "officer", Some(OTHER_BRANCH)).await;
    let (reference, body) = booked_today(&app, 1, malaysian_now_plus(0)).await;
    let qr = body["qr_payload"].as_str().expect("qr");
    let (status, problem_body) = problem(
        app.post(
            "/api/v1/staff/check-ins",
            Some(&elsewhere),
            &json!({ "qr": qr }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, problem_body["type"].as_str()),
        (422, Some("wrong_branch"))
    );
    assert!(
        problem_body["detail"]
            .as_str()
            .is_some_and(|d| d.contains(BRANCH)),
        "{problem_body}"
    );
    // A typed reference of another branch does not exist for this officer.
    let typed = app
        .post(
            "/api/v1/staff/check-ins",
            Some(&elsewhere),
            &json!({ "reference": reference }),
        )
        .await;
    assert_eq!(typed.status(), 404);
    // Another day: the booking as made (tomorrow or later).
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (later, _) = app.book_applicant(BRANCH, SERVICE, 2, &slot).await;
    let (status, body) = problem(
        app.post(
            "/api/v1/staff/check-ins",
            Some(&officer),
            &json!({ "reference": later }),
        )
        .await,
    )
    .await;
    assert_eq!((status, body["type"].as_str()), (422, Some("wrong_day")));
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&slot.0.to_string())),
        "{body}"
    );
    assert_eq!(status_of(&app, &later), "booked");
}

async fn serving_records_the_payment_and_transitions_are_enforced(app: TestApp) {
    let app = &app;
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let (reference, _) = booked_today(app, 1, malaysian_now_plus(0)).await;
    let serve = |body: Value| {
        let path = format!("/api/v1/staff/appointments/{reference}/serve");
        let officer = officer.clone();
        async move { app.post(&path, Some(&officer), &body).await }
    };
    let payment = json!({ "amount_sen": 20000, "approval_code": "a1b2c3" });
    // Not checked in yet.
    let (status, body) = problem(serve(payment.clone()).await).await;
    assert_eq!(
        (status, body["type"].as_str()),
        (409, Some("invalid_status"))
    );
    let checked = app
        .post(
            "/api/v1/staff/check-ins",
            Some(&officer),
            &json!({ "reference": reference }),
        )
        .await;
    assert_eq!(checked.status(), 200);
    // A payment the counter cannot record: both fields named.
    let (status, body) =
        problem(serve(json!({ "amount_sen": 0, "approval_code": "12" })).await).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["amount_sen", "approval_code"]);
    let served = serve(payment.clone()).await;
    assert_eq!(served.status(), 200);
    let body: Value = served.json().await.expect("json");
    assert_eq!(body["appointment"]["status"], "completed");
    assert_eq!(body["counter"]["paid_sen"], 20000);
    assert_eq!(body["counter"]["approval_code"], "A1B2C3");
    assert!(body["counter"]["served_at"].is_string());
    // From completed, nothing moves.
    let (status, _) = problem(serve(payment).await).await;
    assert_eq!(status, 409);
    for (action, body) in [
        ("no-show", json!({})),
        ("cancel", json!({ "reason": "changed my mind" })),
    ] {
        let (status, problem_body) = problem(
            app.post(
                &format!("/api/v1/staff/appointments/{reference}/{action}"),
                Some(&officer),
                &body,
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, problem_body["type"].as_str()),
            (409, Some("invalid_status")),
            "{action}"
        );
    }
    assert_eq!(status_of(app, &reference), "completed");
}

async fn a_late_arrival_is_cancelled_with_a_reason_and_told(app: TestApp) {
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let (reference, body) = booked_today(&app, 1, malaysian_now_plus(-10)).await;
    let checked: Value = app
        .post(
            "/api/v1/staff/check-ins",
            Some(&officer),
            &json!({ "qr": body["qr_payload"] }),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(checked["counter"]["late"], true);
    let path = format!("/api/v1/staff/appointments/{reference}/cancel");
    let (status, body) = problem(
        app.post(&path, Some(&officer), &json!({ "reason": " " }))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    let slot_booked = |app: &TestApp| {
        use temujanji_api::db::schema::{appointments, slots};
        slots::table
            .inner_join(appointments::table.on(appointments::slot_id.eq(slots::id)))
            .filter(appointments::reference.eq(&reference))
            .select(slots::booked)
            .first::<i32>(&mut app.db.connect())
            .expect("slot")
    };
    let before = slot_booked(&app);
    let cancelled = app
        .post(
            &path,
            Some(&officer),
            &json!({ "reason": "Arrived 40 minutes late" }),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    let body: Value = cancelled.json().await.expect("json");
    assert_eq!(body["appointment"]["status"], "cancelled");
    assert_eq!(body["counter"]["cancel_reason"], "Arrived 40 minutes late");
    assert_eq!(slot_booked(&app), before - 1, "the seat is freed");
    let mails: Vec<_> = app
        .outbox()
        .into_iter()
        .filter(|m| m.reference.as_deref() == Some(reference.as_str()))
        .map(|m| m.kind)
        .collect();
    assert_eq!(mails, ["confirmation", "cancellation"]);
}

async fn no_shows_by_hand_and_by_the_sweep(app: TestApp) {
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    // Not started yet (if the day has room): refused.
    let later = malaysian_now_plus(45);
    if later > malaysian_now_plus(0) {
        let (reference, _) = booked_today(&app, 1, later).await;
        let (status, _) = problem(
            app.post(
                &format!("/api/v1/staff/appointments/{reference}/no-show"),
                Some(&officer),
                &json!({}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 409);
        assert_eq!(status_of(&app, &reference), "booked");
    }
    let (started, _) = booked_today(&app, 2, malaysian_now_plus(0)).await;
    let marked = app
        .post(
            &format!("/api/v1/staff/appointments/{started}/no-show"),
            Some(&officer),
            &json!({}),
        )
        .await;
    assert_eq!(marked.status(), 200);
    assert_eq!(status_of(&app, &started), "no_show");

    // The sweep: a slot that has ended with nobody checked in.
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (ended, _) = app.book_applicant(BRANCH, SERVICE, 3, &slot).await;
    {
        use temujanji_api::db::schema::appointments::dsl;
        let yesterday = temujanji_api::clock::today() - TimeDelta::days(1);
        diesel::update(dsl::appointments.filter(dsl::reference.eq(&ended)))
            .set(dsl::date.eq(yesterday))
            .execute(&mut app.db.connect())
            .expect("move to yesterday");
    }
    let letters = temujanji_api::mail::Letters::new("http://127.0.0.1").expect("letters");
    let strikes = temujanji_api::booking::blocks::StrikeRule::default();
    let fanout = temujanji_api::events::Fanout {
        letters: &letters,
        strikes: &strikes,
    };
    let expired = temujanji_api::booking::expire_no_shows(
        &mut app.db.connect(),
        fanout,
        temujanji_api::clock::now_utc(),
    )
    .expect("sweep");
    assert_eq!(expired, 1);
    assert_eq!(status_of(&app, &ended), "no_show");
    let again = temujanji_api::booking::expire_no_shows(
        &mut app.db.connect(),
        fanout,
        temujanji_api::clock::now_utc(),
    )
    .expect("sweep");
    assert_eq!(again, 0, "each appointment becomes a no-show once");
    use temujanji_api::db::schema::audit_events::dsl;
    let actors: Vec<String> = dsl::audit_events
        .filter(dsl::subject.eq(&ended))
        .filter(dsl::action.eq("appointment.no_show"))
        .select(dsl::actor)
        .load(&mut app.db.connect())
        .expect("audit");
    assert_eq!(actors, ["system"]);
}

async fn the_day_board_counts_equal_the_table(app: TestApp) {
    let app = &app;
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let now = malaysian_now_plus(0);
    let mut references = Vec::new();
    for n in 1..=5 {
        references.push(booked_today(app, n, now).await.0);
    }
    let act = |path: String, body: Value| {
        let officer = officer.clone();
        async move { app.post(&path, Some(&officer), &body).await.status() }
    };
    for reference in &references[..3] {
        assert_eq!(
            act(
                "/api/v1/staff/check-ins".into(),
                json!({ "reference": reference })
            )
            .await,
            200
        );
    }
    assert_eq!(
        act(
            format!("/api/v1/staff/appointments/{}/serve", references[0]),
            json!({ "amount_sen": 20000, "approval_code": "ZX81AB" })
        )
        .await,
        200
    );
    assert_eq!(
        act(
            format!("/api/v1/staff/appointments/{}/cancel", references[1]),
            json!({ "reason": "late" })
        )
        .await,
        200
    );
    assert_eq!(
        act(
            format!("/api/v1/staff/appointments/{}/no-show", references[3]),
            json!({})
        )
        .await,
        200
    );
    let board: Value = app
        .get_auth(&format!("/api/v1/staff/branches/{BRANCH}/day"), &officer)
        .await
        .json()
        .await
        .expect("json");
    // Counted independently, from the table.
    use temujanji_api::db::schema::appointments::dsl;
    let rows: Vec<(String, Option<bool>)> = dsl::appointments
        .filter(dsl::branch_code.eq(BRANCH))
        .filter(dsl::date.eq(temujanji_api::clock::today()))
        .select((dsl::status, dsl::late))
        .load(&mut app.db.connect())
        .expect("rows");
    let count = |status: &str| rows.iter().filter(|(s, _)| s == status).count() as i64;
    let counts = &board["counts"];
    assert_eq!(counts["expected"], count("booked"));
    assert_eq!(counts["arrived"], count("checked_in") + count("completed"));
    assert_eq!(counts["served"], count("completed"));
    assert_eq!(counts["cancelled"], count("cancelled"));
    assert_eq!(counts["no_show"], count("no_show"));
    assert_eq!(
        counts["late"],
        rows.iter().filter(|(_, late)| *late == Some(true)).count() as i64
    );
    assert_eq!(
        (counts["expected"].as_i64(), counts["served"].as_i64()),
        (Some(1), Some(1))
    );
    let listed: usize = board["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| s["appointments"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(listed, rows.len());
}

async fn every_staff_action_is_audited(app: TestApp) {
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let (first, _) = booked_today(&app, 1, malaysian_now_plus(0)).await;
    let (second, _) = booked_today(&app, 2, malaysian_now_plus(0)).await;
    let (third, _) = booked_today(&app, 3, malaysian_now_plus(0)).await;
    for (path, body) in [
        (
            "/api/v1/staff/check-ins".to_owned(),
            json!({ "reference": first }),
        ),
        (
            format!("/api/v1/staff/appointments/{first}/serve"),
            json!({ "amount_sen": 10000, "approval_code": "QW12ER" }),
        ),
        (
            format!("/api/v1/staff/appointments/{second}/cancel"),
            json!({ "reason": "duplicate visit" }),
        ),
        (
            format!("/api/v1/staff/appointments/{third}/no-show"),
            json!({}),
        ),
    ] {
        assert_eq!(
            app.post(&path, Some(&officer), &body).await.status(),
            200,
            "{path}"
        );
    }
    app.send(
        Method::DELETE,
        "/api/v1/staff/session",
        Some(&officer),
        None,
    )
    .await;
    use temujanji_api::db::schema::audit_events::dsl;
    type Entry = (String, String, String, Option<String>, Option<String>);
    let entries: Vec<Entry> = dsl::audit_events
        .filter(dsl::actor.eq("staff:siti"))
        .order(dsl::id)
        .select((
            dsl::action,
            dsl::subject,
            dsl::actor,
            dsl::branch_code,
            dsl::after_json,
        ))
        .load(&mut app.db.connect())
        .expect("audit");
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|(action, subject, ..)| (action.as_str(), subject.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("staff.login", "siti"),
            ("appointment.checked_in", first.as_str()),
            ("appointment.served", first.as_str()),
            ("appointment.cancelled", second.as_str()),
            ("appointment.no_show", third.as_str()),
            ("staff.logout", "siti"),
        ]
    );
    let (_, _, _, branch, after) = &entries[2];
    assert_eq!(branch.as_deref(), Some(BRANCH));
    let after: Value = serde_json::from_str(after.as_deref().expect("after")).expect("json");
    assert_eq!(after["paid_sen"], 10000);
    let cancelled: Value =
        serde_json::from_str(entries[3].4.as_deref().expect("after")).expect("json");
    assert_eq!(cancelled["cancel_reason"], "duplicate visit");
}

/// What a caller may expect of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Let through to the operation: any answer but 401, 403 or 404.
    Allowed,
    Unauthorized,
    Forbidden,
    Hidden,
}

fn class(status: u16) -> Expect {
    match status {
        401 => Expect::Unauthorized,
        403 => Expect::Forbidden,
        404 => Expect::Hidden,
        _ => Expect::Allowed,
    }
}

/// Every staff route from the OpenAPI document, called as anonymous, an applicant, an
/// officer of the appointment's branch and of another, a supervisor and an administrator.
/// A route missing from the table below fails the test, so none can escape the matrix.
async fn every_staff_route_by_role_and_branch(app: TestApp) {
    use Expect::{Allowed as A, Forbidden as F, Hidden as H, Unauthorized as U};
    // The login and refresh routes authenticate by their body; their tests are above.
    let public = [
        "POST /api/v1/staff/session",
        "POST /api/v1/staff/session/refresh",
    ];
    // anonymous, applicant, officer A, officer B, supervisor A, administrator
    let by_appointment = [U, U, A, H, A, A];
    let by_branch = [U, U, A, F, A, A];
    let any_staff = [U, U, A, A, A, A];
    let admin_only = [U, U, F, F, F, A];
    let supervisors = [U, U, F, F, A, A];
    let table: Vec<(&str, Value, [Expect; 6])> = vec![
        ("DELETE /api/v1/staff/session", Value::Null, any_staff),
        ("GET /api/v1/staff/me", Value::Null, any_staff),
        (
            "GET /api/v1/staff/branches/{branch}/day",
            Value::Null,
            by_branch,
        ),
        (
            "POST /api/v1/staff/check-ins",
            json!({ "reference": "{reference}" }),
            by_appointment,
        ),
        (
            "GET /api/v1/staff/appointments/{reference}",
            Value::Null,
            by_appointment,
        ),
        (
            "POST /api/v1/staff/appointments/{reference}/serve",
            json!({ "amount_sen": 20000, "approval_code": "A1B2C3" }),
            by_appointment,
        ),
        (
            "POST /api/v1/staff/appointments/{reference}/no-show",
            json!({}),
            by_appointment,
        ),
        (
            "POST /api/v1/staff/appointments/{reference}/cancel",
            json!({ "reason": "matrix" }),
            by_appointment,
        ),
        (
            "POST /api/v1/staff/appointments/{reference}/void",
            json!({ "reason": "matrix" }),
            [U, U, F, H, A, A],
        ),
        (
            "GET /api/v1/staff/branches/{branch}/queue",
            Value::Null,
            by_branch,
        ),
        (
            "POST /api/v1/staff/branches/{branch}/queue/call-next",
            json!({ "counter": "1" }),
            by_branch,
        ),
        (
            "GET /api/v1/staff/branches/{branch}/config",
            Value::Null,
            supervisors,
        ),
        (
            "PUT /api/v1/staff/branches/{branch}/config",
            json!({ "config": "{config}" }),
            supervisors,
        ),
        ("GET /api/v1/staff/blocks", Value::Null, supervisors),
        (
            "POST /api/v1/staff/blocks",
            json!({ "kind": "email", "value": "bot@example.com", "category": "automation",
                    "note": "matrix", "until": (temujanji_api::clock::today() + TimeDelta::days(3)).to_string() }),
            supervisors,
        ),
        (
            "POST /api/v1/staff/blocks/{id}/lift",
            json!({ "reason": "matrix" }),
            supervisors,
        ),
        ("GET /api/v1/staff/audit", Value::Null, supervisors),
        ("GET /api/v1/staff/reports", Value::Null, supervisors),
        ("GET /api/v1/staff/users", Value::Null, admin_only),
        (
            "POST /api/v1/staff/users",
            json!({ "username": "new.officer", "password": STAFF_PASSWORD,
                    "role": "officer", "branch": BRANCH }),
            admin_only,
        ),
        (
            "PATCH /api/v1/staff/users/{username}",
            json!({ "disabled": false }),
            admin_only,
        ),
        ("GET /api/v1/staff/partners", Value::Null, admin_only),
        (
            "POST /api/v1/staff/partners",
            json!({ "name": "Matrix portal", "services": [SERVICE] }),
            admin_only,
        ),
        (
            "PATCH /api/v1/staff/partners/{partner}",
            json!({ "rate_per_minute": 60 }),
            admin_only,
        ),
        (
            "POST /api/v1/staff/partners/{partner}/secret",
            Value::Null,
            admin_only,
        ),
        (
            "GET /api/v1/staff/partners/{partner}/webhook-deliveries",
            Value::Null,
            admin_only,
        ),
        (
            "POST /api/v1/staff/webhook-deliveries/{event}/replay",
            Value::Null,
            admin_only,
        ),
        (
            "POST /api/v1/staff/password",
            json!({ "current_password": "not the password", "new_password": "x" }),
            any_staff,
        ),
    ];
    let spec = serde_json::to_value(temujanji_api::routes::openapi()).expect("spec");
    let mut documented: Vec<String> = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        if !path.starts_with("/api/v1/staff") {
            continue;
        }
        for (method, operation) in item.as_object().expect("path item") {
            let key = format!("{} {path}", method.to_uppercase());
            if !public.contains(&key.as_str()) {
                assert_eq!(
                    operation["security"],
                    json!([{ "staff_token": [] }]),
                    "{key} documents its security scheme"
                );
            }
            documented.push(key);
        }
    }
    let mut known: Vec<String> = table
        .iter()
        .map(|(key, ..)| (*key).to_owned())
        .chain(public.iter().map(|k| (*k).to_owned()))
        .collect();
    documented.sort();
    known.sort();
    assert_eq!(documented, known, "every staff route is in the matrix");

    let (reference, _) = booked_today(&app, 1, malaysian_now_plus(0)).await;
    app.create_staff("officer.a", "officer", Some(BRANCH));
    app.create_staff("officer.b", "officer", Some(OTHER_BRANCH));
    app.create_staff("supervisor.a", "supervisor", Some(BRANCH));
    app.create_staff("admin", "admin", None);
    let applicant = app.token_for(&crate::helpers::email(1));
    let admin_token = app.staff_session("admin").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let block: Value = app
        .post(
            "/api/v1/staff/blocks",
            Some(&admin_token),
            &json!({ "kind": "phone", "value": "012-345 6789", "category": "abuse",
                     "note": "matrix", "until": temujanji_api::clock::today().to_string() }),
        )
        .await
        .json()
        .await
        .expect("json");
    let block_id = block["id"].as_i64().expect("block id").to_string();
    let branch_config: Value = app
        .get_auth(
            &format!("/api/v1/staff/branches/{BRANCH}/config"),
            &admin_token,
        )
        .await
        .json()
        .await
        .expect("json");
    let partner = crate::partners::create_partner(&app, &[SERVICE], None, None, 100);
    temujanji_api::outbox::enqueue_webhook(
        &mut app.db.connect(),
        &temujanji_api::outbox::Webhook {
            partner_id: partner.id,
            event_id: "msg_matrix",
            kind: "appointment.booked",
            reference: &reference,
            body: b"{}",
            expires_at: temujanji_api::clock::now_utc(),
        },
        temujanji_api::clock::now_utc(),
    )
    .expect("a delivery to replay");
    for (key, body, expected) in &table {
        let (method, template) = key.split_once(' ').expect("method and path");
        let path = template
            .replace("{branch}", BRANCH)
            .replace("{partner}", &partner.id.to_string())
            .replace("{event}", "msg_matrix")
            .replace("{reference}", &reference)
            .replace("{username}", "officer.b")
            .replace("{id}", &block_id)
            // Reports of the branch (without it: all branches, administrators only).
            + if template.ends_with("/reports") {
                "?branch=SGR-SHA"
            } else if method == "PUT" {
                // A preview: the matrix is about who may, not about changing the branch.
                "?dry_run=true"
            } else {
                ""
            };
        let body = (!body.is_null())
            .then(|| {
                serde_json::from_str::<Value>(
                    &body
                        .to_string()
                        .replace("{reference}", &reference)
                        .replace("\"{config}\"", &branch_config.to_string()),
                )
            })
            .transpose()
            .expect("body");
        for (who, want) in expected.iter().enumerate() {
            // A fresh session for each call: logout ends the one it is called with.
            let token = match who {
                0 => None,
                1 => Some(applicant.clone()),
                n => {
                    let username = ["officer.a", "officer.b", "supervisor.a", "admin"][n - 2];
                    Some(
                        app.staff_session(username).await["access_token"]
                            .as_str()
                            .expect("token")
                            .to_owned(),
                    )
                }
            };
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            let status = app
                .send(method, &path, token.as_deref(), body.as_ref())
                .await
                .status()
                .as_u16();
            assert_eq!(class(status), *want, "{key} as caller {who}: {status}");
        }
    }
}

/// Books for identity `n` with another person's e-mail `maker` (squatting).
async fn book_as(
    app: &TestApp,
    n: u32,
    maker: u32,
    slot: &(chrono::NaiveDate, String),
) -> (u16, Value) {
    let mut body = crate::helpers::booking(BRANCH, SERVICE, slot.0, &slot.1, n);
    body["applicant"]["email"] = json!(crate::helpers::email(maker));
    body["applicant"]["phone"] = json!(crate::helpers::phone(maker));
    let response = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&crate::helpers::email(maker))),
            &body,
        )
        .await;
    problem(response).await
}

async fn a_squatted_identity_is_freed_by_voiding_and_its_maker_blocked(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 3).await;
    let (status, squat) = book_as(&app, 5, 9, &slots[0]).await;
    assert_eq!(status, 201);
    let reference = squat["reference"].as_str().expect("reference").to_owned();
    // The identity's real holder learns only that it cannot book now, and whom to ask.
    let (status, refused) = book_as(&app, 5, 5, &slots[1]).await;
    assert_eq!(
        (status, refused["type"].as_str()),
        (409, Some("identity_unavailable"))
    );
    let told = refused.to_string();
    assert!(
        !told.contains(&reference) && !told.contains(&crate::helpers::email(9)),
        "{told}"
    );
    assert!(
        refused["detail"]
            .as_str()
            .expect("detail")
            .contains("cawangan")
    );
    // The squatter, booking again itself, is told plainly.
    let (status, own) = book_as(&app, 5, 9, &slots[1]).await;
    assert_eq!(
        (status, own["type"].as_str()),
        (409, Some("duplicate_active_appointment"))
    );

    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    let path = format!("/api/v1/staff/appointments/{reference}/void");
    let body = json!({ "reason": "Identity used by another person (police report 123)" });
    assert_eq!(app.post(&path, Some(&officer), &body).await.status(), 403);
    let voided = app.post(&path, Some(&supervisor), &body).await;
    assert_eq!(voided.status(), 200);
    assert_eq!(status_of(&app, &reference), "cancelled");
    assert_eq!(
        app.booked(BRANCH, SERVICE, slots[0].0, &slots[0].1),
        0,
        "the seat is free"
    );
    // The real holder books at once; the maker's e-mail is blocked.
    let (status, _) = book_as(&app, 5, 5, &slots[1]).await;
    assert_eq!(status, 201);
    let (status, blocked) = book_as(&app, 6, 9, &slots[2]).await;
    assert_eq!((status, blocked["type"].as_str()), (403, Some("blocked")));
    let admin = app.staff_token("ketua", "admin", None).await;
    let audit: Value = app
        .get_auth(
            &format!("/api/v1/staff/audit?reference={reference}"),
            &admin,
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(audit.to_string().contains("appointment.voided"), "{audit}");
}

async fn voided_bookings_are_never_strikes_against_the_identity(app: TestApp) {
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    let slots = app.free_slots(BRANCH, SERVICE, 4).await;
    // Two no-shows by squatters (e-mails 9 and 10), then one by the identity's holder.
    let mut no_shows = Vec::new();
    for (maker, slot) in [(9, &slots[0]), (10, &slots[1]), (5, &slots[2])] {
        let (status, made) = book_as(&app, 5, maker, slot).await;
        assert_eq!(status, 201, "{made}");
        let reference = made["reference"].as_str().expect("reference").to_owned();
        app.move_to_today(&reference, malaysian_now_plus(-60), 30);
        let marked = app
            .post(
                &format!("/api/v1/staff/appointments/{reference}/no-show"),
                Some(&supervisor),
                &json!({}),
            )
            .await;
        assert_eq!(marked.status(), 200);
        no_shows.push(reference);
        if maker != 5 {
            let voided = app
                .post(
                    &format!(
                        "/api/v1/staff/appointments/{}/void",
                        no_shows[no_shows.len() - 1]
                    ),
                    Some(&supervisor),
                    &json!({ "reason": "not the holder" }),
                )
                .await;
            assert_eq!(voided.status(), 200);
        }
    }
    // One strike of three: the holder is not blocked.
    let (status, body) = book_as(&app, 5, 5, &slots[3]).await;
    assert_eq!(status, 201, "{body}");
}
