//! The tables of the subsidy workflow (奖补: entitlements, applications,
//! documents, budgets, payments), beside the main schema so neither file
//! grows past reading. Written by hand like `schema`, for both backends.

diesel::table! {
    subsidy_entitlements (id) {
        id -> BigInt,
        period -> Text,
        company_code -> Text,
        programme -> Text,
        run_id -> BigInt,
        amount_cents -> BigInt,
        communities -> Integer,
        households -> BigInt,
        detail -> Text,
        opened_at -> Timestamp,
    }
}

diesel::table! {
    subsidy_entitlement_changes (id) {
        id -> BigInt,
        entitlement_id -> BigInt,
        run_id -> BigInt,
        before_cents -> Nullable<BigInt>,
        after_cents -> BigInt,
        actor -> Text,
        cause -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    subsidy_applications (id) {
        id -> BigInt,
        entitlement_id -> BigInt,
        company_code -> Text,
        status -> Text,
        statement -> Text,
        requested_cents -> BigInt,
        submitted_by -> Text,
        submitted_at -> Timestamp,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        review_reason -> Nullable<Text>,
        reviewed_cents -> Nullable<BigInt>,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
        approve_reason -> Nullable<Text>,
        approved_cents -> Nullable<BigInt>,
        difference_reason -> Nullable<Text>,
        budget_year -> Nullable<Integer>,
        fund_source -> Nullable<Text>,
        returned_by -> Nullable<Text>,
        returned_at -> Nullable<Timestamp>,
        return_reason -> Nullable<Text>,
    }
}

diesel::table! {
    subsidy_documents (id) {
        id -> BigInt,
        application_id -> BigInt,
        document -> Text,
        file_name -> Text,
        content_type -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        content -> Binary,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    subsidy_budgets (programme, year, fund_source) {
        programme -> Text,
        year -> Integer,
        fund_source -> Text,
        amount_cents -> BigInt,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    subsidy_payments (id) {
        id -> BigInt,
        application_id -> BigInt,
        programme -> Text,
        budget_year -> Integer,
        fund_source -> Text,
        paid_on -> Date,
        amount_cents -> BigInt,
        voucher -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        reversed_by -> Nullable<Text>,
        reversed_at -> Nullable<Timestamp>,
        reverse_reason -> Nullable<Text>,
    }
}

diesel::joinable!(subsidy_applications -> subsidy_entitlements (entitlement_id));
diesel::joinable!(subsidy_payments -> subsidy_applications (application_id));

diesel::allow_tables_to_appear_in_same_query!(
    subsidy_entitlements,
    subsidy_entitlement_changes,
    subsidy_applications,
    subsidy_documents,
    subsidy_budgets,
    subsidy_payments,
);
