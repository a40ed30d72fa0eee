//! quizline: historical-event datasets become RON question sets, which one
//! engine runs and scores for a command-line and a web front end.
//!
//! Data flows one way, and the modules below are in that order: a dataset
//! is generated into a question set, which the engine runs and scores for
//! the front ends, which keep what it decided in the store. The library
//! reads no environment and no arguments: the `quizline` binary fills a
//! [`ServerConfig`] and hands it over. See `ARCHITECTURE.md` for the map and
//! the invariants.

// Dates at the precision a source gives them.
pub mod date;
// The event dataset schema.
pub mod dataset;
// Synthetic datasets of any size, for tests and benchmarks.
pub mod synth;
// The only randomness: seeded ChaCha8 with our own sampling.
pub mod seeded;
// Dataset → question set, seeded and deterministic.
pub mod generate;
// The question-set schema: questions, answers, scoring policy.
pub mod question;
// RON in and out, with `path:line:col` errors.
pub mod files;
// Semantic checks of datasets and question sets.
pub mod check;
// The quiz core: attempts, views, grading and live scoring; no I/O.
pub mod engine;
// The question sets a server offers.
pub mod catalog;
// SQLite behind narrow traits for attempts and live rooms.
pub mod store;
// The HTTP server: configuration, state, router and `serve`.
pub mod server;
// The HTTP layer both front ends share: templates, forms, cookies, CSRF, headers, assets.
pub mod http;
// Self-test pages.
pub mod web;
// Live class quizzes: rooms, the push protocol and their pages.
pub mod live;

pub use catalog::Catalog;
pub use dataset::Dataset;
pub use date::Date;
pub use engine::{Attempt, AttemptOptions, Outcome, View};
pub use files::FileError;
pub use generate::generate;
pub use live::{LiveConfig, RoomOptions};
pub use question::{Kind, QuestionSet};
pub use server::{AppState, ServerConfig, Timeouts, serve};
pub use store::StoreError;
