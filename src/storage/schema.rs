// The diesel schema, in the form `diesel print-schema` writes it. Both backends'
// migrations (migrations/sqlite, migrations/postgres) produce these tables with
// these types; the import tests write and read back every table on both databases.

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_sha256 -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    appeals (id) {
        id -> BigInt,
        record_kind -> Text,
        record_id -> Text,
        company_code -> Text,
        reason -> Text,
        filed_by -> Text,
        filed_at -> Timestamp,
        status -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        rerun_runs -> Nullable<Text>,
    }
}

diesel::table! {
    repair_applications (id) {
        id -> BigInt,
        query_code -> Text,
        record_id -> Text,
        company_code -> Text,
        commitment -> Text,
        status -> Text,
        filed_by -> Text,
        filed_at -> Timestamp,
        review_due -> Date,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        repaired_from -> Nullable<Date>,
    }
}

diesel::table! {
    repair_evidence (id) {
        id -> BigInt,
        application_id -> BigInt,
        file_name -> Text,
        content_type -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        content -> Binary,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    scheduled_runs (period) {
        period -> Text,
        claimed_by -> Text,
        claimed_at -> Timestamp,
        run_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor -> Text,
        at -> Timestamp,
        entity -> Text,
        entity_key -> Text,
        action -> Text,
        old_values -> Nullable<Text>,
        new_values -> Nullable<Text>,
        batch_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    communities (community_code) {
        community_code -> Text,
        name -> Text,
        district -> Text,
        community_type -> Text,
        old_community -> Bool,
        households -> Integer,
        floor_area_m2 -> Nullable<Double>,
        batch_id -> BigInt,
        base_condition -> Nullable<Text>,
    }
}

diesel::table! {
    companies (company_code) {
        company_code -> Text,
        name -> Text,
        district -> Text,
        registered_on -> Date,
        batch_id -> BigInt,
    }
}

diesel::table! {
    complaints (complaint_id) {
        complaint_id -> Text,
        community_code -> Text,
        received_at -> Timestamp,
        category -> Text,
        substantiated -> Bool,
        resolved_at -> Nullable<Timestamp>,
        batch_id -> BigInt,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    conduct_records (record_id) {
        record_id -> Text,
        company_code -> Text,
        code -> Text,
        occurred_on -> Date,
        community_code -> Nullable<Text>,
        note -> Nullable<Text>,
        batch_id -> BigInt,
        revoked_at -> Nullable<Timestamp>,
        repaired_from -> Nullable<Date>,
    }
}

diesel::table! {
    contracts (community_code, company_code, start_date) {
        community_code -> Text,
        company_code -> Text,
        start_date -> Date,
        end_date -> Nullable<Date>,
        batch_id -> BigInt,
    }
}

diesel::table! {
    credit_reports (id) {
        id -> BigInt,
        verify_code -> Text,
        company_code -> Text,
        run_id -> BigInt,
        issued_at -> Timestamp,
        issued_by -> Text,
    }
}

diesel::table! {
    fee_rows (community_code, period) {
        community_code -> Text,
        period -> Text,
        billed_cents -> BigInt,
        collected_cents -> BigInt,
        batch_id -> BigInt,
    }
}

diesel::table! {
    import_batches (id) {
        id -> BigInt,
        file_name -> Text,
        kind -> Text,
        sha256 -> Text,
        rows_added -> BigInt,
        rows_updated -> BigInt,
        rows_unchanged -> BigInt,
        actor -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    inspections (inspection_id) {
        inspection_id -> Text,
        community_code -> Text,
        inspected_on -> Date,
        score -> Double,
        rectification_due -> Nullable<Date>,
        rectified_on -> Nullable<Date>,
        batch_id -> BigInt,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rating_runs (id) {
        id -> BigInt,
        period -> Text,
        status -> Text,
        rule_name -> Text,
        rule_version -> Text,
        rule_sha256 -> Text,
        rule_text -> Text,
        input_digest -> Text,
        started_at -> Timestamp,
        finished_at -> Timestamp,
        duration_ms -> BigInt,
        started_by -> Text,
        published_at -> Nullable<Timestamp>,
        published_by -> Nullable<Text>,
        warnings -> Text,
        chain_of -> Nullable<BigInt>,
        notice_from -> Nullable<Date>,
        notice_until -> Nullable<Date>,
        replaces -> Nullable<BigInt>,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        event -> Text,
        company_code -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        sent_to -> Nullable<Text>,
        gave_up_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    run_notices (run_id, company_code) {
        run_id -> BigInt,
        company_code -> Text,
        starts_on -> Date,
        ends_on -> Date,
    }
}

diesel::table! {
    run_results (run_id, company_code) {
        run_id -> BigInt,
        company_code -> Text,
        company_name -> Text,
        district -> Text,
        communities -> Integer,
        households -> BigInt,
        satisfaction -> Nullable<BigInt>,
        complaint_rate -> Nullable<BigInt>,
        timely_resolution -> Nullable<BigInt>,
        fee_collection -> Nullable<BigInt>,
        inspection -> Nullable<BigInt>,
        base -> BigInt,
        bonus -> BigInt,
        penalty -> BigInt,
        total -> BigInt,
        grade -> Text,
        list -> Text,
        rank -> Integer,
        district_rank -> Integer,
        decision -> Text,
        credit_score -> BigInt,
        credit_level -> Text,
        subsidy_cents -> BigInt,
        explanation -> Binary,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_sha256 -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    survey_responses (response_id) {
        response_id -> Text,
        community_code -> Text,
        surveyed_on -> Date,
        respondent -> Text,
        overall -> Integer,
        batch_id -> BigInt,
    }
}

diesel::table! {
    survey_tallies (period, community_code, overall) {
        period -> Text,
        community_code -> Text,
        overall -> Integer,
        responses -> BigInt,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(audit_log -> import_batches (batch_id));
diesel::joinable!(communities -> import_batches (batch_id));
diesel::joinable!(companies -> import_batches (batch_id));
diesel::joinable!(complaints -> communities (community_code));
diesel::joinable!(conduct_records -> companies (company_code));
diesel::joinable!(repair_evidence -> repair_applications (application_id));
diesel::joinable!(contracts -> communities (community_code));
diesel::joinable!(contracts -> companies (company_code));
diesel::joinable!(fee_rows -> communities (community_code));
diesel::joinable!(inspections -> communities (community_code));
diesel::joinable!(run_notices -> rating_runs (run_id));
diesel::joinable!(run_results -> rating_runs (run_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(survey_responses -> communities (community_code));

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        role -> Text,
        company_code -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        email -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    appeals,
    audit_log,
    communities,
    companies,
    complaints,
    conduct_records,
    contracts,
    credit_reports,
    fee_rows,
    import_batches,
    inspections,
    notifications,
    rating_runs,
    repair_applications,
    repair_evidence,
    run_notices,
    run_results,
    scheduled_runs,
    sessions,
    survey_responses,
    survey_tallies,
    users,
);
