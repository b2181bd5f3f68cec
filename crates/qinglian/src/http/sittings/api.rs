//! `/api/v1` routes of sittings: scheduling, attendance, the rotating QR code, sign-in by phone or
//! at the clerk's desk, registration, series and their certificates.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use crate::error::{AppError, AppResult};
use crate::http::common::{ApiActor, Caller, ClerkCheckin, Created, ErrorBody};
use crate::i18n::Msg;
use crate::services::checkin_flags::{self, Flagged, Verdict};
use crate::services::{series, sittings, App, Page, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/activities/{id}/sittings", get(list_sittings).post(create_sitting))
        .route("/activities/{id}/series", post(create_series))
        .route("/sittings/{id}", get(get_sitting).put(update_sitting))
        .route("/sittings/{id}/cancel", post(cancel_sitting))
        .route("/sittings/{id}/attendance", get(sitting_attendance))
        .route("/sittings/{id}/attendees", get(sitting_attendees))
        .route("/sittings/{id}/qr", get(sitting_qr))
        .route("/sittings/{id}/checkins", post(clerk_checkin))
        .route("/sittings/{id}/flags", get(sitting_flags))
        .route("/sittings/{id}/checkins/{checkin}/review", post(review_checkin))
        .route("/sittings/{id}/registrations", post(register))
        .route("/sittings/{id}/registrations/cancel", post(cancel_registration))
        .route("/sittings/{id}/ledger", post(sitting_ledger))
        .route("/signin", post(sign_in))
        .route("/series/{id}", get(series_progress))
        .route("/series/{id}/certificates", post(issue_certificates))
        .route("/certificates/{code}", get(verify_certificate))
        .route("/me/sittings", get(my_sittings))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_sittings,
    create_sitting,
    create_series,
    get_sitting,
    update_sitting,
    cancel_sitting,
    sitting_attendance,
    sitting_attendees,
    sitting_qr,
    sign_in,
    clerk_checkin,
    sitting_flags,
    review_checkin,
    register,
    cancel_registration,
    sitting_ledger,
    my_sittings,
    series_progress,
    issue_certificates,
    verify_certificate
))]
pub(super) struct Doc;

#[utoipa::path(get, path = "/api/v1/activities/{id}/sittings", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<sittings::SittingRow>)))]
async fn list_sittings(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<sittings::SittingRow>>> {
    Ok(Json(sittings::list_for_activity(&app, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/activities/{id}/sittings", tag = "sittings", params(("id" = i64, Path)),
    request_body = sittings::SittingInput, responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_sitting(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<sittings::SittingInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: sittings::create(&app, &actor, id, req).await? }))
}

/// A multi-day training: one sitting per day, completed by attending `min_days` (0: all).
#[utoipa::path(post, path = "/api/v1/activities/{id}/series", tag = "sittings", params(("id" = i64, Path)),
    request_body = sittings::SeriesInput, responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_series(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<sittings::SeriesInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: sittings::create_series(&app, &actor, id, req).await? }))
}

#[utoipa::path(get, path = "/api/v1/sittings/{id}", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = sittings::Sitting), (status = 404, body = ErrorBody)))]
async fn get_sitting(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<sittings::Sitting>> {
    Ok(Json(sittings::get(&app, &actor, id).await?))
}

/// Corrects a sitting not yet held (time, venue, host, capacity, audience; its sign-in window's
/// margins stay). Refused with 409 once anyone has signed in, the ledger entry is filed or the
/// sitting is cancelled. Those expected hear of a new time or venue.
#[utoipa::path(put, path = "/api/v1/sittings/{id}", tag = "sittings", params(("id" = i64, Path)),
    request_body = sittings::SittingInput,
    responses((status = 200, body = sittings::Sitting), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_sitting(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<sittings::SittingInput>,
) -> AppResult<Json<sittings::Sitting>> {
    Ok(Json(sittings::update(&app, &actor, id, req).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CancelSitting {
    /// Told to those expected and shown on the sign-in page.
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// Calls a sitting off, with the same locks as a correction; those expected are told why.
#[utoipa::path(post, path = "/api/v1/sittings/{id}/cancel", tag = "sittings", params(("id" = i64, Path)),
    request_body = CancelSitting,
    responses((status = 200, body = sittings::Sitting), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn cancel_sitting(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<CancelSitting>,
) -> AppResult<Json<sittings::Sitting>> {
    sittings::cancel(&app, &actor, id, &req.reason).await?;
    Ok(Json(sittings::get(&app, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/sittings/{id}/attendance", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = sittings::Attendance)))]
async fn sitting_attendance(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<sittings::Attendance>> {
    Ok(Json(sittings::attendance(&app, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/sittings/{id}/attendees", tag = "sittings", params(("id" = i64, Path), sittings::AttendeeFilter, Paging),
    responses((status = 200, body = Page<sittings::AttendeeRow>)))]
async fn sitting_attendees(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(f): Query<sittings::AttendeeFilter>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<sittings::AttendeeRow>>> {
    Ok(Json(sittings::attendees(&app, &actor, id, &f, p).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QrCode {
    /// The code as the QR image carries it (the last part of `/s/{code}`).
    pub code: String,
    /// Seconds until the next code replaces it (each is accepted for one more period).
    pub refresh_in: i64,
}

#[utoipa::path(get, path = "/api/v1/sittings/{id}/qr", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = QrCode)))]
async fn sitting_qr(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<QrCode>> {
    sittings::get(&app, &actor, id).await?;
    let t = crate::db::now();
    let period = crate::signing::QR_PERIOD;
    Ok(Json(QrCode { code: app.signer.qr_token(id, t), refresh_in: period - t.rem_euclid(period) }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignInRequest {
    /// The scanned QR code, or
    pub code: Option<String>,
    /// the pass the sign-in page was given for it, or
    pub pass: Option<String>,
    /// the six digits the venue screen shows beside its code.
    pub number: Option<String>,
    pub name: String,
    /// Last four digits of the phone.
    pub last4: String,
    /// A key the phone keeps (16 to 128 characters, the same each time): a sitting that takes one
    /// sign-in per phone refuses a second name with the same key.
    #[schema(min_length = 16, max_length = 128)]
    pub device: Option<String>,
    /// Where the phone is, by its browser's geolocation: a sitting that checks the place needs it
    /// and keeps only the distance to the venue.
    pub position: Option<crate::domain::geo::Point>,
}

/// Public: a person signs himself in with the code on the venue screen.
#[utoipa::path(post, path = "/api/v1/signin", tag = "sittings", request_body = SignInRequest, security(()),
    responses((status = 200, body = sittings::CheckinOutcome), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn sign_in(
    State(app): State<App>,
    caller: Caller,
    Json(req): Json<SignInRequest>,
) -> AppResult<Json<sittings::CheckinOutcome>> {
    let s = match (&req.pass, &req.code, &req.number) {
        (Some(pass), _, _) => sittings::open_pass(&app, pass).await?,
        (None, Some(code), _) => sittings::scan(&app, code).await?.0,
        (None, None, Some(number)) => sittings::by_number(&app, number, &caller.ip).await?.0,
        (None, None, None) => return Err(AppError::invalid("code", Msg::new("err.qr_invalid"))),
    };
    let who = sittings::identify(&app, &s, &req.name, &req.last4, req.pass.as_deref(), &caller.ip).await?;
    let how = sittings::Presence {
        method: "qr",
        by: None,
        ip: &caller.ip,
        device: req.device.as_deref().unwrap_or_default(),
        position: req.position,
    };
    Ok(Json(sittings::check_in(&app, &s, &who, how).await?))
}

#[utoipa::path(post, path = "/api/v1/sittings/{id}/checkins", tag = "sittings", params(("id" = i64, Path)), request_body = ClerkCheckin,
    responses((status = 200, body = sittings::CheckinOutcome), (status = 422, body = ErrorBody)))]
async fn clerk_checkin(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<ClerkCheckin>,
) -> AppResult<Json<sittings::CheckinOutcome>> {
    Ok(Json(sittings::clerk_check_in(&app, &actor, id, req.person_id).await?))
}

/// Sign-ins that may have been made for someone else: the same phone for two names, far from
/// the venue, entered after the close, or after many wrong digits.
#[utoipa::path(get, path = "/api/v1/sittings/{id}/flags", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Flagged>)))]
async fn sitting_flags(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<Flagged>>> {
    Ok(Json(checkin_flags::flagged(&app, &actor, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Review {
    pub verdict: Verdict,
    /// Why; needed to strike.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reason: String,
}

/// The organiser confirms a flagged sign-in, or strikes it (it no longer counts; the audit log
/// keeps it).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/checkins/{checkin}/review", tag = "sittings",
    params(("id" = i64, Path), ("checkin" = i64, Path)), request_body = Review,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn review_checkin(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path((id, checkin)): Path<(i64, i64)>,
    Json(req): Json<Review>,
) -> AppResult<Response> {
    checkin_flags::review(&app, &actor, id, checkin, req.verdict, &req.reason).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Public: registration for a sitting that asks for it.
#[utoipa::path(post, path = "/api/v1/sittings/{id}/registrations", tag = "sittings", params(("id" = i64, Path)),
    request_body = sittings::RegistrationInput, security(()),
    responses((status = 200, body = sittings::RegistrationOutcome), (status = 409, body = ErrorBody)))]
async fn register(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<sittings::RegistrationInput>,
) -> AppResult<Json<sittings::RegistrationOutcome>> {
    Ok(Json(sittings::register(&app, id, req, caller.actor.as_ref(), &caller.ip).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CancelRegistration {
    /// The receipt given when registering.
    pub receipt: String,
}

#[utoipa::path(post, path = "/api/v1/sittings/{id}/registrations/cancel", tag = "sittings", params(("id" = i64, Path)),
    request_body = CancelRegistration, security(()), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn cancel_registration(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<CancelRegistration>,
) -> AppResult<Response> {
    sittings::cancel_registration(&app, id, &req.receipt, &caller.ip).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Files the host unit's ledger entry from the attendance (once).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/ledger", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = Created), (status = 409, body = ErrorBody)))]
async fn sitting_ledger(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: sittings::file_ledger(&app, &actor, id).await? }))
}

#[utoipa::path(get, path = "/api/v1/me/sittings", tag = "sittings", responses((status = 200, body = Vec<sittings::MySitting>)))]
async fn my_sittings(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<Vec<sittings::MySitting>>> {
    Ok(Json(sittings::mine(&app, &actor).await?))
}

#[utoipa::path(get, path = "/api/v1/series/{id}", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = series::Progress)))]
async fn series_progress(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<series::Progress>> {
    Ok(Json(series::progress(&app, &actor, id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = IssuedCertificates)]
pub struct Issued {
    pub issued: i64,
}

/// Certificates for everyone who completed the training and has none yet.
#[utoipa::path(post, path = "/api/v1/series/{id}/certificates", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = Issued)))]
async fn issue_certificates(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Issued>> {
    Ok(Json(Issued { issued: series::issue_certificates(&app, &actor, id).await? }))
}

/// Public: checks a certificate's verification code (the holder's name comes masked).
#[utoipa::path(get, path = "/api/v1/certificates/{code}", tag = "sittings", params(("code" = String, Path)), security(()),
    responses((status = 200, body = series::Certificate), (status = 404, body = ErrorBody)))]
async fn verify_certificate(
    State(app): State<App>,
    Path(code): Path<String>,
) -> AppResult<Json<series::Certificate>> {
    Ok(Json(series::verify(&app, &code).await?))
}
