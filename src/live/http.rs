//! The plain HTTP endpoints: create a room, join one, claim it for a
//! browser, and a host's results, statistics, answer key and QR code.
//! Every refusal is a 4xx with a JSON body `{"error": code, "message": text}`.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::room::{Room, RoomError, RoomOptions};
use super::util::{Hash, ct_eq, escape_html, new_secret, normalize_code, sha256};
use super::{CreateError, Live, results};
use crate::server::AppState;
use crate::store::live::StoredRoom;

/// The client's address, when the server was started with connect info.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// The store could not be read or written: the client may try again.
    pub fn store(e: crate::store::StoreError) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_error",
            e.to_string(),
        )
    }

    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn no_room(code: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_room",
            format!("there is no live room with code {code}; check the code with your teacher"),
        )
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "not_host",
            "only the host of this room may do this; open the host link again",
        )
    }

    pub fn too_many(wait: Duration, what: &str) -> ApiError {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "rate_limited",
            message: format!("too many {what} at once; try again in {secs} s"),
            retry_after: Some(Duration::from_secs(secs)),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(ErrorBody {
                error: self.code,
                message: &self.message,
            }),
        )
            .into_response();
        if let Some(wait) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&wait.as_secs().to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<RoomError> for ApiError {
    fn from(e: RoomError) -> Self {
        let status = match e {
            RoomError::BadNickname(_) | RoomError::Invalid(_) => StatusCode::BAD_REQUEST,
            RoomError::NicknameTaken(_)
            | RoomError::Full(_)
            | RoomError::Stale
            | RoomError::NoPlayers
            | RoomError::AlreadyAnswered
            | RoomError::NotOpen(_)
            | RoomError::Closed => StatusCode::CONFLICT,
            RoomError::Locked | RoomError::Kicked => StatusCode::FORBIDDEN,
            RoomError::Ended => StatusCode::GONE,
            RoomError::BadToken => StatusCode::UNAUTHORIZED,
            RoomError::NoSuchPlayer(_) => StatusCode::NOT_FOUND,
            RoomError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl From<CreateError> for ApiError {
    fn from(e: CreateError) -> Self {
        let (status, code) = match e {
            CreateError::NoSuchSet(_) => (StatusCode::NOT_FOUND, "no_set"),
            CreateError::BadOptions(_) => (StatusCode::BAD_REQUEST, "bad_options"),
            CreateError::TooManyRooms(_) => (StatusCode::SERVICE_UNAVAILABLE, "too_many_rooms"),
            CreateError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "store_error"),
        };
        ApiError::new(status, code, e.to_string())
    }
}

pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid JSON: {e}")))
}

pub fn valid_code(code: &str) -> Result<String, ApiError> {
    normalize_code(code).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_code",
            "a join code is six digits, such as 123456",
        )
    })
}

fn live_room(live: &Live, code: &str) -> Result<std::sync::Arc<Room>, ApiError> {
    let code = valid_code(code)?;
    live.room(&code).ok_or_else(|| ApiError::no_room(&code))
}

// ----- addresses and cookies ------------------------------------------------

pub const OWNER_COOKIE: &str = "quizline_host";

/// Where students reach this server: the configured public URL, or the
/// address this request came in on.
pub fn base_url(live: &Live, headers: &HeaderMap) -> String {
    if let Some(url) = &live.config().public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

pub fn owner_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == OWNER_COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The browser's owner key, and the `Set-Cookie` to send when it is new.
pub fn owner_key(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match owner_cookie(headers) {
        Some(k) => (k, None),
        None => {
            let k = new_secret();
            let cookie =
                format!("{OWNER_COOKIE}={k}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000");
            (k, HeaderValue::from_str(&cookie).ok())
        }
    }
}

/// Whether a request comes from a page of this server (for requests that a
/// cookie authorizes, against cross-site forgery).
pub fn same_origin(headers: &HeaderMap) -> bool {
    // Browsers say where a request comes from; `none` is a typed address.
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        Some(origin) => {
            let origin_host = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            origin_host.is_some() && origin_host == host
        }
        // No Origin: not a browser's cross-site request (browsers send one
        // with every POST and WebSocket handshake).
        None => true,
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// A host proves itself with `Authorization: Bearer SECRET`, or with the
/// owner cookie of a browser that created or claimed the room.
pub async fn is_host(live: &Live, code: &str, host_hash: &Hash, headers: &HeaderMap) -> bool {
    if let Some(secret) = bearer(headers) {
        return ct_eq(&sha256(secret), host_hash);
    }
    match owner_cookie(headers) {
        Some(key) => live
            .store()
            .is_owner(code, sha256(&key))
            .await
            .unwrap_or(false),
        None => false,
    }
}

/// A room's stored record, for a host: in memory or past.
pub async fn hosted_room(
    live: &Live,
    code: &str,
    headers: &HeaderMap,
) -> Result<StoredRoom, ApiError> {
    let code = valid_code(code)?;
    let stored = live
        .store()
        .load_room(&code)
        .await
        .map_err(ApiError::store)?
        .ok_or_else(|| ApiError::no_room(&code))?;
    if !is_host(live, &code, &stored.host_hash, headers).await {
        return Err(ApiError::forbidden());
    }
    Ok(stored)
}

// ----- handlers ---------------------------------------------------------------

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    pub set: String,
    #[serde(default)]
    pub options: RoomOptions,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CreateResponse {
    pub code: String,
    pub host_secret: String,
    pub questions: usize,
    pub play_url: String,
    pub host_url: String,
}

pub async fn create_room(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let live = &state.live;
    live.check_create_rate(addr)
        .map_err(|w| ApiError::too_many(w, "rooms created"))?;
    let req: CreateRequest = parse_json(&body)?;
    let created = live.create_room(&req.set, req.options, None).await?;
    let base = base_url(live, &headers);
    let res = CreateResponse {
        play_url: format!("{base}/play/{}", created.code),
        host_url: format!("{base}/host/{}#key={}", created.code, created.host_secret),
        code: created.code,
        host_secret: created.host_secret,
        questions: created.questions,
    };
    Ok((StatusCode::CREATED, Json(res)).into_response())
}

#[derive(Serialize, Deserialize, Debug)]
pub struct RoomStatus {
    pub code: String,
    pub title: String,
    pub phase: String,
    pub players: u32,
    pub questions: usize,
    pub joinable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

pub async fn room_info(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<RoomStatus>, ApiError> {
    let room = live_room(&state.live, &code)?;
    let joinable = room.joinable();
    Ok(Json(RoomStatus {
        code: room.code.clone(),
        title: room.set.title.clone(),
        phase: room.phase_name().into(),
        players: room.player_count(),
        questions: room.questions(),
        joinable: joinable.is_ok(),
        reason: joinable.err().map(|e| e.to_string()),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinRequest {
    nickname: String,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct JoinResponse {
    pub code: String,
    pub player: u32,
    pub nickname: String,
    pub token: String,
}

pub async fn join(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let room = live_room(&state.live, &code)?;
    state
        .live
        .check_join_rate(addr, &room.code)
        .map_err(|w| ApiError::too_many(w, "join attempts"))?;
    let req: JoinRequest = parse_json(&body)?;
    let joined = room.join(&req.nickname).await?;
    Ok((
        StatusCode::CREATED,
        Json(JoinResponse {
            code: room.code.clone(),
            player: joined.id,
            nickname: joined.nickname,
            token: joined.token,
        }),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimRequest {
    secret: String,
}

/// Lists the room among this browser's past rooms (the host link carries
/// the secret; the browser keeps only its own owner cookie).
pub async fn claim(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let code = valid_code(&code)?;
    let req: ClaimRequest = parse_json(&body)?;
    let hash = match state.live.room(&code) {
        Some(room) => *room.host_hash(),
        None => {
            state
                .live
                .store()
                .load_room(&code)
                .await
                .map_err(ApiError::store)?
                .ok_or_else(|| ApiError::no_room(&code))?
                .host_hash
        }
    };
    if !ct_eq(&sha256(&req.secret), &hash) {
        return Err(ApiError::forbidden());
    }
    let (key, set_cookie) = owner_key(&headers);
    state
        .live
        .store()
        .add_owner(&code, sha256(&key))
        .await
        .map_err(ApiError::store)?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Some(c) = set_cookie {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(res)
}

pub async fn results_csv(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let stored = hosted_room(&state.live, &code, &headers).await?;
    let set = state.live.catalog().get(&stored.set_id).cloned();
    let r = results::build(&stored, set.as_deref());
    let body = results::csv(&r);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"quizline-{}-results.csv\"",
                    stored.code
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

pub async fn stats(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<results::Results>, ApiError> {
    let stored = hosted_room(&state.live, &code, &headers).await?;
    let set = state.live.catalog().get(&stored.set_id).cloned();
    Ok(Json(results::build(&stored, set.as_deref())))
}

pub async fn answer_key(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Vec<super::keys::KeyEntry>>, ApiError> {
    let room = live_room(&state.live, &code)?;
    if !is_host(&state.live, &room.code, room.host_hash(), &headers).await {
        return Err(ApiError::forbidden());
    }
    Ok(Json(super::keys::answer_key(&room.set, &room.attempt)))
}

#[derive(Serialize, Deserialize, Debug)]
pub struct OwnedRoom {
    pub code: String,
    pub title: String,
    pub phase: String,
    pub players: u32,
    pub created_at_ms: i64,
    pub ended_at_ms: Option<i64>,
}

pub async fn owned_rooms(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<OwnedRoom>>, ApiError> {
    let Some(key) = owner_cookie(&headers) else {
        return Ok(Json(vec![]));
    };
    let rows = state
        .live
        .store()
        .owned_rooms(sha256(&key), 200)
        .await
        .map_err(ApiError::store)?;
    Ok(Json(
        rows.into_iter()
            .map(|r| OwnedRoom {
                code: r.code,
                title: r.set_title,
                phase: r.phase,
                players: r.players,
                created_at_ms: r.created_at_ms,
                ended_at_ms: r.ended_at_ms,
            })
            .collect(),
    ))
}

/// The QR code of a room's student link, as SVG.
pub fn qr_svg_for(url: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
        Err(_) => format!("<p>{}</p>", escape_html(url)),
    }
}

pub async fn qr_svg(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let room = live_room(&state.live, &code)?;
    let url = format!("{}/play/{}", base_url(&state.live, &headers), room.code);
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], qr_svg_for(&url)).into_response())
}
