//! quizline: historical-event datasets become RON question sets, which one
//! engine runs and scores for a command-line and a web front end.
//!
//! Data flows one way: [`dataset`] → [`generate`] → [`question`] sets →
//! [`engine`] (attempt, grading, scoring) → front ends and store.
//! See `ARCHITECTURE.md` for the map and the invariants.

pub mod catalog;
pub mod check;
pub mod dataset;
pub mod date;
pub mod engine;
pub mod files;
pub mod generate;
pub mod http;
pub mod live;
pub mod question;
pub mod seeded;
pub mod server;
pub mod store;
pub mod synth;
pub mod web;
