//! Points in a live class quiz: the engine's credit, then speed and streaks.
//! Time is measured by the caller on the server's clock and passed in.

use serde::{Deserialize, Serialize};

/// Points a live question is worth before speed and streaks, per point of the question.
pub const LIVE_BASE_POINTS: f64 = 1000.0;

/// Its name ([`SpeedRule::as_str`], `FromStr`) is the one in JSON and on the
/// command line: `speed`, `linear-decay`, `accuracy-only`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Default,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum SpeedRule {
    /// Kahoot-style: `round(P·(1 − t/(2T)))`, from full points to half at the buzzer.
    #[default]
    Speed,
    /// From full points at `t = 0` down to a tenth at the buzzer.
    LinearDecay,
    /// Speed does not count: the accessible choice.
    AccuracyOnly,
}

impl SpeedRule {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LivePolicy {
    pub speed: SpeedRule,
    /// Each answer in a run of right answers after the first adds a tenth of
    /// the base points, up to half.
    pub streak_bonus: bool,
    pub partial_credit: bool,
}

impl Default for LivePolicy {
    fn default() -> Self {
        LivePolicy {
            speed: SpeedRule::Speed,
            streak_bonus: true,
            partial_credit: true,
        }
    }
}

/// Points for one answer. `credit` is the engine's share right (0–1);
/// `elapsed_ms` runs from the question opening to the answer arriving on the
/// server; `limit_ms` is `None` for an untimed, host-paced question, where
/// speed cannot count. `streak` is the number of right answers in a row
/// before this one.
pub fn live_points(
    policy: &LivePolicy,
    question_points: u32,
    credit: f64,
    elapsed_ms: u64,
    limit_ms: Option<u64>,
    streak: u32,
) -> u32 {
    let credit = if !credit.is_finite() {
        0.0
    } else {
        credit.clamp(0.0, 1.0)
    };
    let credit = if credit < 1.0 && !policy.partial_credit {
        0.0
    } else {
        credit
    };
    if credit == 0.0 {
        return 0;
    }
    let p = LIVE_BASE_POINTS * f64::from(question_points.max(1));
    let factor = match (policy.speed, limit_ms) {
        (SpeedRule::AccuracyOnly, _) | (_, None) | (_, Some(0)) => 1.0,
        (SpeedRule::Speed, Some(t_max)) => {
            1.0 - (elapsed_ms.min(t_max) as f64) / (2.0 * t_max as f64)
        }
        (SpeedRule::LinearDecay, Some(t_max)) => {
            1.0 - 0.9 * (elapsed_ms.min(t_max) as f64) / t_max as f64
        }
    };
    let bonus = if policy.streak_bonus && credit >= 1.0 {
        (f64::from(streak.min(5)) * 0.1) * p
    } else {
        0.0
    };
    (p * credit * factor + bonus).round() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(speed: SpeedRule, streak_bonus: bool) -> LivePolicy {
        LivePolicy {
            speed,
            streak_bonus,
            partial_credit: true,
        }
    }

    #[test]
    fn kahoot_formula() {
        let p = policy(SpeedRule::Speed, false);
        assert_eq!(live_points(&p, 1, 1.0, 0, Some(20_000), 0), 1000);
        assert_eq!(live_points(&p, 1, 1.0, 10_000, Some(20_000), 0), 750);
        assert_eq!(live_points(&p, 1, 1.0, 20_000, Some(20_000), 0), 500);
        // Late arrivals are clamped, never below half.
        assert_eq!(live_points(&p, 1, 1.0, 90_000, Some(20_000), 0), 500);
        assert_eq!(live_points(&p, 1, 0.0, 0, Some(20_000), 0), 0);
        assert_eq!(live_points(&p, 2, 0.5, 0, Some(20_000), 0), 1000);
    }

    #[test]
    fn linear_accuracy_and_untimed() {
        assert_eq!(
            live_points(
                &policy(SpeedRule::LinearDecay, false),
                1,
                1.0,
                20_000,
                Some(20_000),
                0
            ),
            100
        );
        assert_eq!(
            live_points(
                &policy(SpeedRule::LinearDecay, false),
                1,
                1.0,
                10_000,
                Some(20_000),
                0
            ),
            550
        );
        assert_eq!(
            live_points(
                &policy(SpeedRule::AccuracyOnly, false),
                1,
                1.0,
                19_000,
                Some(20_000),
                0
            ),
            1000
        );
        assert_eq!(
            live_points(&policy(SpeedRule::Speed, false), 1, 1.0, 19_000, None, 0),
            1000
        );
    }

    #[test]
    fn streaks_and_partial_credit() {
        let p = policy(SpeedRule::AccuracyOnly, true);
        assert_eq!(live_points(&p, 1, 1.0, 0, None, 0), 1000);
        assert_eq!(live_points(&p, 1, 1.0, 0, None, 2), 1200);
        assert_eq!(live_points(&p, 1, 1.0, 0, None, 40), 1500);
        // Partial answers earn their share and no streak bonus.
        assert_eq!(live_points(&p, 1, 0.5, 0, None, 3), 500);
        let strict = LivePolicy {
            partial_credit: false,
            ..p
        };
        assert_eq!(live_points(&strict, 1, 0.5, 0, None, 3), 0);
    }
}
