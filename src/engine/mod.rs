//! The quiz core: attempts, grading and scoring. It does no I/O, reads no
//! clock and knows nothing of HTTP, SQL or the terminal; every front end
//! grades through it and never on its own.

mod attempt;
mod grade;
mod live;
mod view;

pub use attempt::{Attempt, AttemptError, AttemptOptions, Feedback, Item, Outcome, Summary};
pub use grade::{
    Grade, GradeError, Response, Verdict, apply_policy, credit, grade, is_permutation,
    normalize_text,
};
pub use live::{LIVE_BASE_POINTS, LivePolicy, SpeedRule, live_points};
pub use view::{InputError, Layout, View, group, letter, parse_number};
