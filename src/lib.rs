//! quizline: historical-event datasets become RON question sets, which one
//! engine runs and scores for a command-line and a web front end.
//!
//! Data flows one way: [`dataset`] → [`generate`] → [`question`] sets →
//! [`engine`] (attempt, grading, scoring) → front ends and store.
//! See `ARCHITECTURE.md` for the map and the invariants.

pub mod date;
pub mod dataset;
pub mod question;
pub mod engine;
pub mod files;
pub mod seeded;
pub mod catalog;
pub mod check;
