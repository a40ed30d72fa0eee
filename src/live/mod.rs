//! Live class quizzes: rooms, players, the host's controls and the push
//! protocol (WebSocket, JSON text frames; see `docs/protocol.md`).
//!
//! `room` holds the game rules and fan-out, [`http`] and `ws` the
//! endpoints, `pages` the host's and students' pages, `results` the CSV
//! and statistics, [`limit`] the join and creation rates, `greeting` the
//! cap and deadline on sockets that have not said hello. The simulated
//! students of `quizline bots` and its client are the binary's, not this
//! library's.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::catalog::Catalog;
use crate::engine::{Attempt, AttemptOptions};
use crate::server::AppState;
use crate::store::StoreError;
use crate::store::blob::{self, BlobError};
use crate::store::live::{NewRoom, PhaseRow, RoomStore};

pub(crate) mod game;
pub(crate) mod greeting;
pub mod http;
pub mod keys;
pub mod limit;
pub(crate) mod pages;
pub mod protocol;
pub(crate) mod results;
pub(crate) mod room;
pub mod util;
pub(crate) mod ws;

pub use game::OptionsError;
pub use room::{LeaderboardMode, Room, RoomError, RoomOptions};
pub use util::NicknameError;

use limit::{Keyed, Rate};
use util::{Hash, new_code, new_secret, now_ms, sha256};

/// Limits and addresses, set once at start-up.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// The address students reach the server at (for the QR code and the
    /// printed links), e.g. `http://192.168.1.20:8080`. When unset, the
    /// address the host's browser used is taken.
    pub public_url: Option<String>,
    /// Whether loopback addresses are rate-limited like any other. Off by
    /// default: requests from the machine itself are its operator's own
    /// tools (`quizline bots`), and a per-address limit would make a load
    /// test measure the limiter. Every room still has its own join limit.
    pub limit_loopback: bool,
    pub join_per_address: Rate,
    pub join_per_room: Rate,
    pub create_per_address: Rate,
    /// Rooms kept in memory at once.
    pub max_rooms: usize,
    /// Sockets that have not said `hello` are closed after this long.
    pub hello_deadline: Duration,
    /// Sockets one address may hold open before saying `hello`; a class
    /// behind one school NAT opens its sockets within seconds of each other.
    pub greeting_per_address: usize,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            public_url: None,
            limit_loopback: false,
            // A class behind one school NAT joins within a minute or two.
            join_per_address: Rate::new(60, 10),
            join_per_room: Rate::new(1_000, 500),
            create_per_address: Rate::new(20, 1),
            max_rooms: 2_000,
            hello_deadline: Duration::from_secs(10),
            greeting_per_address: 200,
        }
    }
}

#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    catalog: Arc<Catalog>,
    store: Arc<dyn RoomStore>,
    rooms: Mutex<HashMap<String, Arc<Room>>>,
    config: LiveConfig,
    join_addr: Keyed<IpAddr>,
    join_room: Keyed<String>,
    create_addr: Keyed<IpAddr>,
    greeting: greeting::Greeting,
}

/// What a host gets back when a room is created.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Created {
    pub code: String,
    pub host_secret: String,
    pub questions: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("there is no question set `{0}`")]
    NoSuchSet(String),
    #[error(transparent)]
    BadOptions(#[from] OptionsError),
    #[error("{0}")]
    NoQuestions(#[source] crate::engine::AttemptError),
    #[error("the room could not be encoded")]
    Encode(#[source] BlobError),
    #[error("the server is running as many rooms as it can ({0}); try again later")]
    TooManyRooms(usize),
    #[error("the room could not be saved")]
    Store(#[source] StoreError),
    #[error("no free join code was found; try again")]
    NoFreeCode,
}

/// Why a stored room cannot be played on after a restart (it is then ended).
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("question set `{0}` is no longer served")]
    SetGone(String),
    #[error("question set `{0}` has changed")]
    SetChanged(String),
    #[error("stored {what} unreadable")]
    Unreadable {
        what: &'static str,
        #[source]
        source: BlobError,
    },
}

/// Longest a room that has ended is kept in memory for reconnecting phones.
const ENDED_KEEP_MS: i64 = 60 * 60 * 1000;
/// A room where nothing happens for this long is ended.
const IDLE_END_MS: i64 = 24 * 60 * 60 * 1000;

impl Live {
    fn new(catalog: Arc<Catalog>, store: Arc<dyn RoomStore>, config: LiveConfig) -> Live {
        Live {
            inner: Arc::new(Inner {
                catalog,
                store,
                rooms: Mutex::new(HashMap::new()),
                join_addr: Keyed::new(config.join_per_address),
                join_room: Keyed::new(config.join_per_room),
                create_addr: Keyed::new(config.create_per_address),
                greeting: greeting::Greeting::new(
                    config.greeting_per_address,
                    config.hello_deadline,
                    config.limit_loopback,
                ),
                config,
            }),
        }
    }

    /// Reopens the rooms that were running when the server stopped.
    pub async fn restore(
        catalog: Arc<Catalog>,
        store: Arc<dyn RoomStore>,
        config: LiveConfig,
    ) -> Result<Live, StoreError> {
        store.ensure_live_schema().await?;
        let live = Live::new(catalog, store.clone(), config);
        for stored in store.active_rooms().await? {
            let code = stored.code.clone();
            match live.rebuild(stored) {
                Ok(room) => {
                    tracing::info!(room = %code, phase = room.phase_name(), "live room restored");
                    live.lock().insert(code, room);
                }
                Err(why) => {
                    tracing::warn!(room = %code, "live room not restored: {why}; it is ended");
                    store
                        .set_phase(
                            &code,
                            PhaseRow {
                                phase: "ended".into(),
                                question: None,
                                seq: 0,
                                opened_at_ms: None,
                                deadline_ms: None,
                                ended_at_ms: Some(now_ms()),
                            },
                        )
                        .await?;
                }
            }
        }
        live.start_janitor();
        Ok(live)
    }

    fn rebuild(&self, stored: crate::store::live::StoredRoom) -> Result<Arc<Room>, RestoreError> {
        let set = self
            .inner
            .catalog
            .get(&stored.set_id)
            .cloned()
            .ok_or_else(|| RestoreError::SetGone(stored.set_id.clone()))?;
        let attempt: Attempt =
            blob::decode(&stored.attempt_json).map_err(|source| RestoreError::Unreadable {
                what: "questions",
                source,
            })?;
        if !attempt.matches(&set) {
            return Err(RestoreError::SetChanged(stored.set_id.clone()));
        }
        let options: RoomOptions =
            blob::decode(&stored.options_json).map_err(|source| RestoreError::Unreadable {
                what: "options",
                source,
            })?;
        Ok(Room::restore(
            stored,
            set,
            attempt,
            options,
            self.inner.store.clone(),
        ))
    }

    fn start_janitor(&self) {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                let live = Live { inner };
                live.sweep().await;
            }
        });
    }

    /// Forgets ended rooms nobody is connected to, and ends rooms left idle.
    async fn sweep(&self) {
        let now = now_ms();
        let rooms: Vec<Arc<Room>> = self.lock().values().cloned().collect();
        for room in rooms {
            let idle = now - room.last_activity_ms();
            if room.is_ended() {
                if idle > ENDED_KEEP_MS || (room.connected() == 0 && idle > 5 * 60 * 1000) {
                    self.lock().remove(&room.code);
                }
            } else if idle > IDLE_END_MS {
                let seq = room.seq();
                if room.end(seq).await.is_ok() {
                    tracing::info!(room = %room.code, "idle live room ended");
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Room>>> {
        self.inner.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn config(&self) -> &LiveConfig {
        &self.inner.config
    }

    /// Sockets that have not said hello yet: their cap and deadline.
    pub(crate) fn greeting(&self) -> &greeting::Greeting {
        &self.inner.greeting
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.inner.catalog
    }

    pub fn store(&self) -> &Arc<dyn RoomStore> {
        &self.inner.store
    }

    pub fn room(&self, code: &str) -> Option<Arc<Room>> {
        self.lock().get(code).cloned()
    }

    pub fn room_count(&self) -> usize {
        self.lock().len()
    }

    /// Whether this address is past its join rate; loopback is exempt
    /// unless configured otherwise.
    pub fn check_join_rate(&self, addr: Option<IpAddr>, code: &str) -> Result<(), Duration> {
        if let Some(ip) = addr
            && (self.inner.config.limit_loopback || !ip.is_loopback())
        {
            self.inner.join_addr.take(&ip)?;
        }
        self.inner.join_room.take(&code.to_string())
    }

    pub fn check_create_rate(&self, addr: Option<IpAddr>) -> Result<(), Duration> {
        match addr {
            Some(ip) if self.inner.config.limit_loopback || !ip.is_loopback() => {
                self.inner.create_addr.take(&ip)
            }
            _ => Ok(()),
        }
    }

    /// Creates a room: picks its questions and layouts once, for every player.
    pub async fn create_room(
        &self,
        set_id: &str,
        mut options: RoomOptions,
        owner: Option<Hash>,
    ) -> Result<Created, CreateError> {
        options.validate()?;
        let set = self
            .inner
            .catalog
            .get(set_id)
            .cloned()
            .ok_or_else(|| CreateError::NoSuchSet(set_id.to_string()))?;
        if self.room_count() >= self.inner.config.max_rooms {
            return Err(CreateError::TooManyRooms(self.inner.config.max_rooms));
        }
        let seed = *options.seed.get_or_insert_with(util::random_u64);
        let attempt = Attempt::new(
            &set,
            AttemptOptions {
                count: options.count,
                kinds: options.kinds.clone(),
                seed,
                in_order: false,
            },
        )
        .map_err(CreateError::NoQuestions)?;
        let secret = new_secret();
        let host_hash = sha256(&secret);
        let options_json = blob::encode(&options).map_err(CreateError::Encode)?;
        let attempt_json = blob::encode(&attempt).map_err(CreateError::Encode)?;
        // Codes are never reused, so a past room's results stay its own.
        for _ in 0..50 {
            let code = new_code();
            if self.lock().contains_key(&code) {
                continue;
            }
            let created = self
                .inner
                .store
                .create_room(NewRoom {
                    code: code.clone(),
                    set_id: set.id.clone(),
                    set_title: set.title.clone(),
                    host_hash,
                    owner,
                    options_json: options_json.clone(),
                    attempt_json: attempt_json.clone(),
                    created_at_ms: now_ms(),
                })
                .await
                .map_err(CreateError::Store)?;
            if !created {
                continue;
            }
            let room = Room::new(
                code.clone(),
                set.clone(),
                attempt.clone(),
                options.clone(),
                host_hash,
                self.inner.store.clone(),
            );
            let questions = room.questions();
            self.lock().insert(code.clone(), Arc::new(room));
            return Ok(Created {
                code,
                host_secret: secret,
                questions,
            });
        }
        Err(CreateError::NoFreeCode)
    }
}

pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/api/rooms", post(http::create_room))
        .route("/api/rooms/{code}", get(http::room_info))
        .route("/api/rooms/{code}/join", post(http::join))
        .route("/api/rooms/{code}/claim", post(http::claim))
        .route("/api/rooms/{code}/results.csv", get(http::results_csv))
        .route("/api/rooms/{code}/stats", get(http::stats))
        .route("/api/rooms/{code}/key", get(http::answer_key))
        .route("/api/rooms/{code}/qr.svg", get(http::qr_svg))
        .route("/api/rooms/{code}/play", get(ws::player))
        .route("/api/rooms/{code}/host", get(ws::host))
        .route("/api/host/rooms", get(http::owned_rooms))
        .route("/host/{code}", get(pages::host))
        .route("/host/{code}/results", get(pages::results))
        .route("/play", get(pages::play))
        .route("/play/{code}", get(pages::play_code))
        .route(
            "/live/assets/{file}",
            get(crate::http::assets::legacy_live_asset),
        )
        // The host form is a form like the self-tests': it needs the
        // browser cookie its token is tied to.
        .merge(
            Router::new()
                .route("/host", get(pages::new_room).post(pages::create_room))
                .route_layer(axum::middleware::from_fn(
                    crate::http::browser::ensure_browser,
                )),
        );
    // Every body here is a nickname, a secret or a form: small.
    api.layer(DefaultBodyLimit::max(8 * 1024))
}
