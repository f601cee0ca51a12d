//! Diesel table definitions, one for both backends (see `migrations/*`).

diesel::table! {
    meta (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    services (code) {
        code -> Text,
        name_ms -> Text,
        name_en -> Text,
        fee_sen -> Integer,
        fee_note_ms -> Text,
        fee_note_en -> Text,
        rush -> Bool,
        release_delay_minutes -> Integer,
        opens_at_minute -> Integer,
        lottery_minutes -> Integer,
        lottery_confirm_hours -> Integer,
    }
}

diesel::table! {
    service_documents (service_code, position) {
        service_code -> Text,
        position -> Integer,
        text_ms -> Text,
        text_en -> Text,
    }
}

diesel::table! {
    branches (code) {
        code -> Text,
        name -> Text,
        state -> Text,
        address_line1 -> Text,
        address_line2 -> Nullable<Text>,
        postcode -> Text,
        city -> Text,
        phone -> Text,
        slot_minutes -> Integer,
        min_lead_days -> Integer,
    }
}

diesel::table! {
    branch_services (branch_code, service_code) {
        branch_code -> Text,
        service_code -> Text,
        seats -> Integer,
    }
}

diesel::table! {
    hours_profiles (id) {
        id -> BigInt,
        branch_code -> Text,
        name -> Text,
        valid_from -> Date,
        valid_to -> Date,
    }
}

diesel::table! {
    branch_hours (id) {
        id -> BigInt,
        branch_code -> Text,
        profile_id -> Nullable<BigInt>,
        weekday -> Integer,
        opens -> Time,
        closes -> Time,
    }
}

diesel::table! {
    holidays (id) {
        id -> BigInt,
        date -> Date,
        state -> Nullable<Text>,
        name_ms -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    closures (id) {
        id -> BigInt,
        branch_code -> Text,
        date -> Date,
        name_ms -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    slots (id) {
        id -> BigInt,
        branch_code -> Text,
        service_code -> Text,
        date -> Date,
        start_time -> Time,
        end_time -> Time,
        capacity -> Integer,
        booked -> Integer,
    }
}

diesel::table! {
    appointments (id) {
        id -> BigInt,
        reference -> Text,
        slot_id -> BigInt,
        branch_code -> Text,
        service_code -> Text,
        date -> Date,
        start_time -> Time,
        end_time -> Time,
        applicant_name -> Text,
        id_type -> Text,
        id_number -> Text,
        nationality -> Text,
        address_line1 -> Text,
        address_line2 -> Nullable<Text>,
        postcode -> Text,
        city -> Text,
        state -> Text,
        phone -> Text,
        email -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        checked_in_at -> Nullable<Timestamp>,
        late -> Nullable<Bool>,
        called_at -> Nullable<Timestamp>,
        counter -> Nullable<Text>,
        served_at -> Nullable<Timestamp>,
        paid_sen -> Nullable<Integer>,
        approval_code -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        cancelled_by -> Nullable<Text>,
        partner_id -> Nullable<BigInt>,
        reschedules -> Integer,
    }
}

diesel::table! {
    blocks (id) {
        id -> BigInt,
        kind -> Text,
        value -> Text,
        reason -> Text,
        until -> Date,
        created_at -> Timestamp,
        category -> Text,
        created_by -> Text,
        lifted_at -> Nullable<Timestamp>,
        lifted_by -> Nullable<Text>,
        lift_reason -> Nullable<Text>,
    }
}

diesel::table! {
    email_codes (id) {
        id -> BigInt,
        email -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        attempts -> Integer,
        used_at -> Nullable<Timestamp>,
        requested_from -> Text,
    }
}

diesel::table! {
    idempotency_keys (owner, idempotency_key) {
        owner -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        subject -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        branch_code -> Nullable<Text>,
    }
}

diesel::table! {
    staff_users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        branch_code -> Nullable<Text>,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    staff_sessions (id) {
        id -> BigInt,
        staff_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    staff_refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> BigInt,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (username) {
        username -> Text,
        failures -> Integer,
        first_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refused_full (branch_code, service_code, date) {
        branch_code -> Text,
        service_code -> Text,
        date -> Date,
        refusals -> Integer,
    }
}

diesel::joinable!(staff_sessions -> staff_users (staff_id));
diesel::joinable!(staff_refresh_tokens -> staff_sessions (session_id));

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        reference -> Nullable<Text>,
        dedupe_key -> Nullable<Text>,
        envelope_from -> Text,
        envelope_to -> Text,
        message -> Binary,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        channel -> Text,
        partner_id -> Nullable<BigInt>,
        event_id -> Nullable<Text>,
        last_status -> Nullable<Integer>,
    }
}

diesel::table! {
    partner_clients (id) {
        id -> BigInt,
        client_id -> Text,
        name -> Text,
        secret_hash -> Text,
        previous_secret_hash -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        services -> Text,
        branches -> Nullable<Text>,
        scopes -> Text,
        webhook_url -> Nullable<Text>,
        webhook_salt -> Text,
        rate_per_minute -> Integer,
        burst -> Integer,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    seat_returns (id) {
        id -> BigInt,
        slot_id -> BigInt,
        due_at -> Timestamp,
    }
}

diesel::table! {
    spent_challenges (challenge) {
        challenge -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    rate_buckets (bucket) {
        bucket -> Text,
        tat_ms -> BigInt,
    }
}

diesel::table! {
    waitlist_entries (id) {
        id -> BigInt,
        email -> Text,
        branch_code -> Text,
        service_code -> Text,
        date -> Date,
        status -> Text,
        slot_id -> Nullable<BigInt>,
        offer_expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        drawn_rank -> Nullable<Integer>,
        network -> Text,
    }
}

diesel::table! {
    lottery_draws (service_code, branch_code, date) {
        service_code -> Text,
        branch_code -> Text,
        date -> Date,
        seed -> BigInt,
        entries -> Integer,
        offered -> Integer,
        drawn_at -> Timestamp,
    }
}

diesel::joinable!(outbox -> partner_clients (partner_id));
diesel::joinable!(waitlist_entries -> slots (slot_id));

diesel::allow_tables_to_appear_in_same_query!(
    services,
    service_documents,
    branches,
    branch_services,
    hours_profiles,
    branch_hours,
    holidays,
    closures,
    slots,
    appointments,
    outbox,
    staff_users,
    staff_sessions,
    staff_refresh_tokens,
    partner_clients,
    waitlist_entries,
);
