//! One live room at run time: the `Game` behind a lock, the store it is
//! written to, the fan-out of its messages and its timers.
//!
//! The rules are in `super::game`; this file only carries out what the
//! game decides. Concurrency: the game sits behind one `std::sync::Mutex`
//! that is never held across an await; every phase change is made while
//! holding an async `transitions` lock, so host actions and timers cannot
//! interleave while a change is being written. A phase change is written
//! to the store before anyone is told about it, and broadcast while the
//! state lock is held, so a socket that subscribes under the same lock gets
//! each change exactly once, after its snapshot.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Notify, broadcast, oneshot};

use super::game::{Change, Effects, Game, Ms, Quiz, Timer};
use super::protocol::RoomInfo;
use super::util::{Hash, clean_nickname, ct_eq, new_secret, now_ms, sha256};
use crate::engine::Attempt;
use crate::question::QuestionSet;
use crate::store::StoreError;
use crate::store::live::{NewPlayer, RoomStore, StoredRoom};

pub use super::game::{
    Answered, Event, HostSnapshot, LeaderboardMode, RoomError, RoomOptions, distribution,
};

/// How many phase changes a slow socket may fall behind before it is sent a
/// fresh snapshot instead.
const EVENT_BUFFER: usize = 32;
/// Longest a reveal waits for answers still being written.
const WRITES_WAIT: Duration = Duration::from_secs(15);

impl From<StoreError> for RoomError {
    fn from(e: StoreError) -> Self {
        tracing::error!("live store: {e}");
        RoomError::Store(e.to_string())
    }
}

/// The room's clock: wall-clock milliseconds at its start, counted on by
/// the monotonic clock (see `Ms`).
#[derive(Debug, Clone, Copy)]
struct Clock {
    start: Instant,
    start_ms: i64,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            start: Instant::now(),
            start_ms: now_ms(),
        }
    }

    fn now(&self) -> Ms {
        self.start_ms + self.start.elapsed().as_millis() as i64
    }

    fn instant(&self, at: Ms) -> Instant {
        let after = (at - self.start_ms).max(0) as u64;
        self.start + Duration::from_millis(after)
    }
}

/// The game and, per connected player, what tells their socket that a
/// newer one took over.
struct State {
    game: Game,
    replace: HashMap<u32, oneshot::Sender<()>>,
}

pub struct Room {
    pub code: String,
    pub set: Arc<QuestionSet>,
    pub attempt: Attempt,
    pub options: RoomOptions,
    pub created_at_ms: i64,
    quiz: Arc<Quiz>,
    host_hash: Hash,
    store: Arc<dyn RoomStore>,
    clock: Clock,
    state: Mutex<State>,
    events: broadcast::Sender<Event>,
    transitions: tokio::sync::Mutex<()>,
    writes_done: Notify,
    /// Bumped on every change a host's progress line shows; hosts poll it.
    version: AtomicU64,
    /// When anything last happened, for evicting idle rooms.
    last_activity_ms: AtomicU64,
}

/// A player's open socket, as it starts.
pub struct PlayerSocket {
    pub snapshot: Vec<Utf8Bytes>,
    pub events: broadcast::Receiver<Event>,
    /// Resolves when a newer socket of the same player takes over.
    pub replaced: oneshot::Receiver<()>,
    pub serial: u64,
}

pub struct Joined {
    pub id: u32,
    pub nickname: String,
    pub token: String,
}

impl Room {
    pub fn new(
        code: String,
        set: Arc<QuestionSet>,
        attempt: Attempt,
        options: RoomOptions,
        host_hash: Hash,
        store: Arc<dyn RoomStore>,
    ) -> Room {
        let quiz = Arc::new(Quiz::new(code, set, attempt, options));
        Room::around(Game::new(quiz), host_hash, store, Clock::new())
    }

    fn around(game: Game, host_hash: Hash, store: Arc<dyn RoomStore>, clock: Clock) -> Room {
        let quiz = game.quiz().clone();
        let created_at_ms = clock.start_ms;
        Room {
            code: quiz.code.clone(),
            set: quiz.set.clone(),
            attempt: quiz.attempt.clone(),
            options: quiz.options.clone(),
            created_at_ms,
            quiz,
            host_hash,
            store,
            clock,
            state: Mutex::new(State {
                game,
                replace: HashMap::new(),
            }),
            events: broadcast::channel(EVENT_BUFFER).0,
            transitions: tokio::sync::Mutex::new(()),
            writes_done: Notify::new(),
            version: AtomicU64::new(0),
            last_activity_ms: AtomicU64::new(created_at_ms as u64),
        }
    }

    /// Rebuilds a room from the store after a restart (see `Game::restore`).
    pub fn restore(
        stored: StoredRoom,
        set: Arc<QuestionSet>,
        attempt: Attempt,
        options: RoomOptions,
        store: Arc<dyn RoomStore>,
    ) -> Arc<Room> {
        let quiz = Arc::new(Quiz::new(stored.code.clone(), set, attempt, options));
        let clock = Clock::new();
        let (game, fx) = Game::restore(quiz, &stored, clock.now());
        let mut room = Room::around(game, stored.host_hash, store, clock);
        room.created_at_ms = stored.created_at_ms;
        let room = Arc::new(room);
        room.carry_out(fx);
        room
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock would be a bug in the game; the
        // state it left is still the best there is, so carry on with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> Ms {
        self.clock.now()
    }

    fn touch(&self) {
        self.last_activity_ms
            .store(now_ms() as u64, Ordering::Relaxed);
        self.version.fetch_add(1, Ordering::Relaxed);
    }

    /// Sends what the game decided and arms its timer. Takes the state
    /// guard so that it can only be called with the lock held.
    fn send(self: &Arc<Self>, _held: &mut State, fx: Effects) {
        for e in fx.events {
            let _ = self.events.send(e);
        }
        if let Some(t) = fx.timer {
            self.arm(t);
        }
    }

    fn carry_out(self: &Arc<Self>, fx: Effects) {
        let mut st = self.lock();
        self.send(&mut st, fx);
    }

    /// At `t.at`, closes question `t.q` unless the game has moved on.
    fn arm(self: &Arc<Self>, t: Timer) {
        let room = Arc::downgrade(self);
        let at = self.clock.instant(t.at);
        tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            if let Some(room) = room.upgrade() {
                let _ = room.close_question(t.q, t.seq).await;
            }
        });
    }

    pub fn last_activity_ms(&self) -> i64 {
        self.last_activity_ms.load(Ordering::Relaxed) as i64
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    pub fn questions(&self) -> usize {
        self.quiz.questions()
    }

    pub fn is_host(&self, secret: &str) -> bool {
        ct_eq(&sha256(secret), &self.host_hash)
    }

    pub fn host_hash(&self) -> &Hash {
        &self.host_hash
    }

    pub fn phase_name(&self) -> &'static str {
        self.lock().game.phase_name()
    }

    pub fn is_ended(&self) -> bool {
        self.lock().game.is_ended()
    }

    pub fn joinable(&self) -> Result<(), RoomError> {
        self.lock().game.joinable()
    }

    pub fn info(&self) -> RoomInfo {
        self.lock().game.info()
    }

    pub fn player_count(&self) -> u32 {
        self.lock().game.player_count()
    }

    /// Players with an open socket (a player's second socket replaces the first).
    pub fn connected(&self) -> u32 {
        self.lock().game.connected()
    }

    /// The number of the current phase, which host actions must quote.
    pub fn seq(&self) -> u64 {
        self.lock().game.seq()
    }

    pub fn current_question(&self) -> Option<usize> {
        self.lock().game.current_question()
    }

    /// How long the open question has left.
    pub fn remaining_ms(&self) -> Option<u64> {
        self.lock().game.remaining_ms(self.now())
    }

    // ----- joining -------------------------------------------------------

    /// Joins a player; resolves once they are stored.
    pub async fn join(&self, nickname: &str) -> Result<Joined, RoomError> {
        let (nickname, key) = clean_nickname(nickname)?;
        let secret = new_secret();
        let token_hash = sha256(&secret);
        // Reserved now so a second join with the same name is refused
        // while this one is being written.
        let id = self.lock().game.reserve(&nickname, &key, token_hash)?;
        let written = self
            .store
            .add_player(NewPlayer {
                code: self.code.clone(),
                id,
                nickname: nickname.clone(),
                nick_key: key.clone(),
                token_hash,
                joined_at_ms: now_ms(),
            })
            .await;
        match written {
            Ok(()) => {
                self.lock().game.joined(id);
                self.touch();
                Ok(Joined {
                    id,
                    nickname,
                    token: format!("{id}.{secret}"),
                })
            }
            Err(e) => {
                self.lock().game.join_failed(id, &key);
                Err(e.into())
            }
        }
    }

    /// Checks a player's token; returns their id.
    pub fn authenticate(&self, token: &str) -> Result<u32, RoomError> {
        self.lock().game.authenticate(token)
    }

    // ----- sockets -------------------------------------------------------

    /// A player's socket starts: their snapshot, the room's events from
    /// this instant on, and what tells this socket it was replaced.
    pub fn attach_player(&self, id: u32) -> Result<PlayerSocket, RoomError> {
        let now = self.now();
        let mut st = self.lock();
        let (serial, _) = st.game.attach(id)?;
        let events = self.events.subscribe();
        let snapshot = st.game.player_snapshot(id, now);
        let (tx, replaced) = oneshot::channel();
        if let Some(older) = st.replace.insert(id, tx) {
            let _ = older.send(());
        }
        drop(st);
        self.touch();
        Ok(PlayerSocket {
            snapshot,
            events,
            replaced,
            serial,
        })
    }

    /// A player's socket ended; a socket that was replaced changes nothing.
    pub fn detach_player(&self, id: u32, serial: u64) {
        let mut st = self.lock();
        if st.game.detach(id, serial) {
            st.replace.remove(&id);
        }
        drop(st);
        self.touch();
    }

    /// What a player's screen needs after (re)connecting or falling behind.
    pub fn resync_player(&self, id: u32) -> Vec<Utf8Bytes> {
        let now = self.now();
        self.lock().game.player_snapshot(id, now)
    }

    /// A host's socket starts: everything the projector shows, and events.
    pub fn attach_host(&self) -> (HostSnapshot, broadcast::Receiver<Event>) {
        let now = self.now();
        let st = self.lock();
        let rx = self.events.subscribe();
        (st.game.host_snapshot(now), rx)
    }

    pub fn resync_host(&self) -> HostSnapshot {
        let now = self.now();
        self.lock().game.host_snapshot(now)
    }

    /// Changes to the list of players since `cursor`, for a host.
    pub fn roster_since(&self, cursor: usize) -> Option<(Utf8Bytes, usize)> {
        self.lock().game.roster_since(cursor)
    }

    pub fn progress(&self) -> Utf8Bytes {
        self.lock().game.progress()
    }

    /// A player's own outcome of question `q`, after its reveal.
    pub fn result_for(&self, id: u32, q: usize) -> Utf8Bytes {
        self.lock().game.result_for(id, q)
    }

    pub fn final_for(&self, id: u32) -> Utf8Bytes {
        self.lock().game.final_for(id)
    }

    // ----- answers -------------------------------------------------------

    /// Accepts, grades and durably records one answer; resolves once it is
    /// written, with the milliseconds the server counted.
    pub async fn answer(
        self: &Arc<Self>,
        id: u32,
        q: usize,
        input: &str,
    ) -> Result<u64, RoomError> {
        // Reading and grading need no lock: the attempt and set never change.
        // So they are done before taking it (at 10,000 answers a second the
        // lock is then held for a few checks, not for a parse and a grade).
        let graded = self.quiz.grade(q, input);
        // The arrival instant is taken under the lock that the close also
        // takes, so an answer either beat the close or did not.
        let accepted = {
            let mut st = self.lock();
            let now = self.now();
            st.game.accept(id, q, input, graded, now, now_ms())?
        };
        let written = self.store.record_answer(accepted.row).await;
        let outcome = {
            let mut st = self.lock();
            let (outcome, close) = st.game.answer_written(
                id,
                q,
                accepted.done,
                written.map_err(RoomError::from),
                self.now(),
            );
            if st.game.pending() == 0 {
                self.writes_done.notify_waiters();
            }
            self.send(
                &mut st,
                Effects {
                    events: vec![],
                    timer: close,
                },
            );
            outcome
        };
        self.touch();
        outcome
    }

    async fn wait_for_writes(&self) {
        let deadline = Instant::now() + WRITES_WAIT;
        loop {
            let notified = self.writes_done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.lock().game.pending() == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline.into(), notified)
                .await
                .is_err()
            {
                tracing::error!(
                    room = %self.code,
                    "answers still being written after 15 s; revealing without them"
                );
                return;
            }
        }
    }

    // ----- phase changes -------------------------------------------------

    /// Host: the one button. Moves on from the phase numbered `seq`.
    pub async fn next(self: &Arc<Self>, seq: u64) -> Result<(), RoomError> {
        let _t = self.transitions.lock().await;
        let change = self.lock().game.next(seq)?;
        match change {
            Change::Reveal(q) => self.close_locked(q, seq).await,
            other => self.change_locked(other).await,
        }
    }

    /// Host: close the open question now.
    pub async fn reveal(self: &Arc<Self>, seq: u64) -> Result<(), RoomError> {
        let q = self.lock().game.open_question(seq)?;
        self.close_question(q, seq).await
    }

    /// Host: end the game now; an open question is revealed first.
    pub async fn end(self: &Arc<Self>, seq: u64) -> Result<(), RoomError> {
        let _t = self.transitions.lock().await;
        let open = self.lock().game.end_plan(seq)?;
        if let Some(q) = open {
            self.close_locked(q, seq).await?;
        }
        self.change_locked(Change::End).await
    }

    /// Closes question `q` if the room is still in the phase numbered
    /// `seq`; the timer and the host race here, and the first one wins.
    pub async fn close_question(self: &Arc<Self>, q: usize, seq: u64) -> Result<(), RoomError> {
        let _t = self.transitions.lock().await;
        self.close_locked(q, seq).await
    }

    /// Closes, waits for the answers being written, then reveals.
    async fn close_locked(self: &Arc<Self>, q: usize, seq: u64) -> Result<(), RoomError> {
        {
            let mut st = self.lock();
            let fx = st.game.close(q, seq)?;
            self.send(&mut st, fx);
        }
        self.wait_for_writes().await;
        self.change_locked(Change::Reveal(q)).await
    }

    /// Stores `change`, then makes it and tells everyone. The caller holds
    /// the transitions lock, so the game cannot move meanwhile.
    async fn change_locked(self: &Arc<Self>, change: Change) -> Result<(), RoomError> {
        let stored = self.lock().game.row(change, self.now());
        match stored.finished {
            Some(finished) => {
                self.store
                    .end_game(&self.code, stored.row, finished)
                    .await?
            }
            None => self.store.set_phase(&self.code, stored.row).await?,
        }
        {
            let mut st = self.lock();
            let fx = st.game.apply(change, self.now());
            self.send(&mut st, fx);
        }
        self.touch();
        Ok(())
    }

    /// Host: removes a player. Their socket is told; they leave the game.
    pub async fn kick(self: &Arc<Self>, id: u32) -> Result<(), RoomError> {
        self.lock().game.check_kick(id)?;
        self.store.kick_player(&self.code, id).await?;
        {
            let mut st = self.lock();
            let fx = st.game.kicked(id, self.now());
            self.send(&mut st, fx);
        }
        self.touch();
        Ok(())
    }
}
