//! The path parameters of the API, each typed and patterned once for the
//! OpenAPI document (handlers parse the text themselves, so that a bad value
//! answers with the API's own error code).

use utoipa::IntoParams;

/// `{period}`: a quarter, `YYYYQn`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct PeriodPath {
    /// A quarter, e.g. 2026Q1.
    #[param(pattern = r"^\d{4}Q[1-4]$", example = "2026Q1")]
    period: String,
}

/// `{code}`: a company's unified social credit code (GB 32100-2015).
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct CompanyPath {
    /// 18 characters of 0-9 and A-Y without I, O, S, V, Z.
    #[param(pattern = "^[0-9A-HJ-NPQRTUWXY]{18}$", example = "91420108B56N051JD9")]
    code: String,
}

/// `{id}`: a run's number.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct RunPath {
    #[param(minimum = 1)]
    id: i64,
}

/// `{id}`: an appeal's number.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct AppealPath {
    #[param(minimum = 1)]
    id: i64,
}

/// `{id}`: a credit repair application's number.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct RepairPath {
    #[param(minimum = 1)]
    id: i64,
}

/// `{id}` and `{file}`: a repair application and one of its evidence files.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct EvidencePath {
    #[param(minimum = 1)]
    id: i64,
    #[param(minimum = 1)]
    file: i64,
}

/// `{code}`: a repair application's query code.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct QueryCodePath {
    #[param(
        pattern = "^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$",
        example = "7KQ2-MX4P-9TRB"
    )]
    code: String,
}

/// `{sha}`: a rule set's SHA-256, in lowercase hex.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct RuleSetPath {
    #[param(pattern = "^[0-9a-f]{64}$")]
    sha: String,
}

/// `{kind}`: the kind of data in an import.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct KindPath {
    kind: crate::domain::ImportKind,
}

/// `{id}`: a subsidy entitlement's number.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct EntitlementPath {
    #[param(minimum = 1)]
    id: i64,
}

/// `{id}`: a subsidy application's number.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct SubsidyApplicationPath {
    #[param(minimum = 1)]
    id: i64,
}

/// `{id}` and `{doc}`: a subsidy application and one of its documents.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct SubsidyDocumentPath {
    #[param(minimum = 1)]
    id: i64,
    #[param(minimum = 1)]
    doc: i64,
}

/// `{id}`: a payment's number.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct PaymentPath {
    #[param(minimum = 1)]
    id: i64,
}
