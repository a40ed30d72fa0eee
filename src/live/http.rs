//! The plain HTTP endpoints: create a room, join one, claim it for a
//! browser, and a host's results, statistics, answer key and QR code.
//! Every refusal is an [`ApiError`]: a 4xx with a JSON body
//! `{"error": code, "message": text}`.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::Extension;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};

use super::room::{Room, RoomError, RoomOptions};
use super::util::{Hash, ct_eq, escape_html, normalize_code, sha256};
use super::{CreateError, Live, results};
use crate::http::browser::{ensure_owner_key, owner_key};
use crate::http::join::{JoinBase, ListenAddr, lan_addresses, request_host};
use crate::server::AppState;
use crate::store::live::StoredRoom;

pub use crate::http::csrf::same_origin;
pub use crate::http::{ApiError, Json};

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

/// The refusals only live rooms make.
impl ApiError {
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
            CreateError::BadOptions(_) | CreateError::NoQuestions(_) => {
                (StatusCode::BAD_REQUEST, "bad_options")
            }
            CreateError::Encode(_) => (StatusCode::INTERNAL_SERVER_ERROR, "encode_error"),
            CreateError::TooManyRooms(_) => (StatusCode::SERVICE_UNAVAILABLE, "too_many_rooms"),
            CreateError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "store_error"),
            CreateError::NoFreeCode => (StatusCode::SERVICE_UNAVAILABLE, "no_free_code"),
        };
        ApiError::new(status, code, e.to_string())
    }
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

/// A body too large to read is refused before anything else; any other
/// fault in it is reported after the rate limits, so that malformed
/// requests count against them like any other.
fn too_large_first<T>(
    body: Result<Json<T>, ApiError>,
) -> Result<Result<Json<T>, ApiError>, ApiError> {
    match body {
        Err(e) if e.status == StatusCode::PAYLOAD_TOO_LARGE => Err(e),
        other => Ok(other),
    }
}

fn live_room(live: &Live, code: &str) -> Result<std::sync::Arc<Room>, ApiError> {
    let code = valid_code(code)?;
    live.room(&code).ok_or_else(|| ApiError::no_room(&code))
}

// ----- addresses, cookies and hosts ---------------------------------------

/// Where students reach this server, for links and QR codes.
pub fn join_base(
    live: &Live,
    listen: Option<Extension<ListenAddr>>,
    headers: &HeaderMap,
) -> JoinBase {
    JoinBase::resolve(
        live.config().public_url.as_deref(),
        listen.map(|Extension(ListenAddr(a))| a),
        request_host(headers),
        &lan_addresses(),
    )
}

/// The owner key in a request's cookies, if well formed.
pub fn owner_cookie(headers: &HeaderMap) -> Option<String> {
    owner_key(&CookieJar::from_headers(headers))
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
    listen: Option<Extension<ListenAddr>>,
    headers: HeaderMap,
    body: Result<Json<CreateRequest>, ApiError>,
) -> Result<Response, ApiError> {
    let body = too_large_first(body)?;
    let live = &state.live;
    live.check_create_rate(addr)
        .map_err(|w| ApiError::too_many(w, "rooms created"))?;
    let Json(req) = body?;
    let created = live.create_room(&req.set, req.options, None).await?;
    let base = join_base(live, listen, &headers).url;
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
pub struct JoinRequest {
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
    body: Result<Json<JoinRequest>, ApiError>,
) -> Result<Response, ApiError> {
    let body = too_large_first(body)?;
    let room = live_room(&state.live, &code)?;
    state
        .live
        .check_join_rate(addr, &room.code)
        .map_err(|w| ApiError::too_many(w, "join attempts"))?;
    let Json(req) = body?;
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
pub struct ClaimRequest {
    secret: String,
}

/// Lists the room among this browser's past rooms (the host link carries
/// the secret; the browser keeps only its own owner cookie).
pub async fn claim(
    State(state): State<AppState>,
    Path(code): Path<String>,
    jar: CookieJar,
    body: Result<Json<ClaimRequest>, ApiError>,
) -> Result<Response, ApiError> {
    let code = valid_code(&code)?;
    let Json(req) = body?;
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
    let (key, jar) = ensure_owner_key(jar);
    state
        .live
        .store()
        .add_owner(&code, sha256(&key))
        .await
        .map_err(ApiError::store)?;
    Ok((jar, StatusCode::NO_CONTENT).into_response())
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
        Ok(code) => {
            let svg = code
                .render::<svg::Color>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .dark_color(svg::Color("#000000"))
                .light_color(svg::Color("#ffffff"))
                .build();
            // Inline in a page, the XML declaration is noise.
            match svg.find("<svg") {
                Some(at) => svg[at..].to_string(),
                None => svg,
            }
        }
        Err(_) => format!("<p>{}</p>", escape_html(url)),
    }
}

pub async fn qr_svg(
    State(state): State<AppState>,
    Path(code): Path<String>,
    listen: Option<Extension<ListenAddr>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let room = live_room(&state.live, &code)?;
    let url = format!(
        "{}/play/{}",
        join_base(&state.live, listen, &headers).url,
        room.code
    );
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], qr_svg_for(&url)).into_response())
}
