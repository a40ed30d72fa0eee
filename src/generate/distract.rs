//! Wrong options that look right: of the answer's type, near it, never equal
//! to it or overlapping it, each distinct. Every picker samples from a small
//! candidate list built from precomputed pools, never from the whole dataset.

use crate::dataset::ActorKind;
use crate::date::{Date, Precision, days_in_month};
use crate::seeded::Seeded;

use super::index::{Index, KINDS, NOT_SORTED, kind_slot, text_key};

/// Years outside `lo..=hi`: years other events start or end in, near the
/// range, and years a few steps away from it.
pub(super) fn years(ix: &Index, lo: i32, hi: i32, want: usize, rng: &mut Seeded) -> Vec<i32> {
    let y = &ix.years;
    let below = y.partition_point(|&v| v < lo);
    let above = y.partition_point(|&v| v <= hi);
    let mut candidates: Vec<i32> = Vec::with_capacity(20);
    candidates.extend(&y[below.saturating_sub(4)..below]);
    candidates.extend(&y[above..(above + 4).min(y.len())]);
    for d in [1, 2, 3, 5, 10] {
        candidates.push(lo - d);
        candidates.push(hi + d);
    } // No year after the dataset's last, and none before year 1 unless the
    // dataset itself goes there.
    candidates.retain(|&v| (v < lo || v > hi) && v <= ix.max_year.max(hi) && (v > 0 || lo <= 0));
    candidates.sort_unstable();
    candidates.dedup();
    rng.shuffle(&mut candidates);
    candidates.truncate(want);
    candidates
}

/// Steps of the ladder, as fractions, so that rounding is exact on every machine.
const LADDER: [(u64, u64); 7] = [(1, 10), (1, 5), (1, 2), (2, 1), (3, 1), (5, 1), (10, 1)];

/// Figures on a ladder away from `answer` (×0.1 … ×10), none inside
/// `lo..=hi`, rounded to as many significant figures as the answer has (two
/// at least), so that the answer does not stand out as the only exact one.
pub(super) fn figures(answer: u64, lo: u64, hi: u64, want: usize, rng: &mut Seeded) -> Vec<u64> {
    let digits = significant_digits(answer).max(2);
    let mut candidates: Vec<u64> = LADDER
        .iter()
        .filter_map(|&(num, den)| {
            let scaled =
                u64::try_from(u128::from(answer) * u128::from(num) / u128::from(den)).ok()?;
            Some(round_significant(scaled, digits))
        })
        .filter(|&v| v > 0 && (v < lo || v > hi))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    rng.shuffle(&mut candidates);
    candidates.truncate(want);
    candidates
}

/// Rounds half up to `digits` significant figures: 14_999 → 15_000 for two.
fn round_significant(n: u64, digits: u32) -> u64 {
    let limit = 10u64.saturating_pow(digits);
    let mut unit = 1u64;
    while n / unit >= limit {
        unit *= 10;
    }
    ((n + unit / 2) / unit).saturating_mul(unit)
}

/// 30_000 has one significant figure, 70_052 has four.
fn significant_digits(n: u64) -> u32 {
    let mut n = n;
    while n >= 10 && n.is_multiple_of(10) {
        n /= 10;
    }
    n.checked_ilog10().map_or(1, |d| d + 1)
}

/// The date `date` at `precision`, when it is that precise; ranges are not asked.
pub(super) fn at_precision(date: &Date, precision: Precision) -> Option<Date> {
    match *date {
        Date::Day { year, month, day } => Some(match precision {
            Precision::Day => Date::Day { year, month, day },
            Precision::Month => Date::Month {
                year,
                month,
                part: None,
            },
            Precision::Year => Date::year(year),
        }),
        Date::Month { year, month, .. } => match precision {
            Precision::Day => None,
            Precision::Month => Some(Date::Month {
                year,
                month,
                part: None,
            }),
            Precision::Year => Some(Date::year(year)),
        },
        Date::Year { year, .. } => (precision == Precision::Year).then(|| Date::year(year)),
        Date::Range { .. } => None,
    }
}

/// Dates at `precision` that cannot be confused with event `e`'s date: the
/// dates of events near it in time, and the date moved by a few days, months
/// or a year. None overlaps the answer, so each is wrong at the asked precision.
pub(super) fn dates(
    ix: &Index,
    e: usize,
    precision: Precision,
    want: usize,
    rng: &mut Seeded,
) -> Vec<Date> {
    let Some(answer) = at_precision(&ix.event(e).date, precision) else {
        return Vec::new();
    };
    let (lo, hi) = answer.interval();
    let r = ix.rank[e];
    if r == NOT_SORTED {
        return Vec::new();
    }
    let near = ix.sorted[r.saturating_sub(6)..(r + 7).min(ix.sorted.len())].iter();
    let mut candidates: Vec<Date> = Vec::with_capacity(20);
    candidates.extend(
        near.filter(|&&o| o != e)
            .filter_map(|&o| at_precision(&ix.event(o).date, precision)),
    );
    shifted(&answer, &mut candidates);
    // At one precision a date is its interval, so candidates are sorted and
    // told apart by their intervals, each worked out once.
    let mut with_intervals: Vec<((i64, i64), Date)> = Vec::with_capacity(candidates.len());
    with_intervals.extend(candidates.into_iter().map(|d| (d.interval(), d)).filter(
        |&((a, b), ref d)| (b < lo || a > hi) && a <= ix.max_start && d.problem().is_none(),
    ));
    let mut candidates = with_intervals;
    candidates.sort_unstable_by_key(|&(interval, _)| interval);
    candidates.dedup_by_key(|&mut (interval, _)| interval);
    rng.shuffle(&mut candidates);
    candidates.truncate(want);
    candidates.into_iter().map(|(_, d)| d).collect()
}

/// The date moved by nearby steps at its own precision, added to `out`.
fn shifted(date: &Date, out: &mut Vec<Date>) {
    match *date {
        Date::Day { year, month, day } => {
            out.extend([-7, -3, 3, 7].into_iter().filter_map(|d| {
                let day = i32::from(day) + d;
                (1..=i32::from(days_in_month(year, month)))
                    .contains(&day)
                    .then_some(Date::Day {
                        year,
                        month,
                        day: day as u8,
                    })
            }));
            for (y, m) in [
                month_step(year, month, -1),
                month_step(year, month, 2),
                (year - 1, month),
            ] {
                if day <= days_in_month(y, m) {
                    out.push(Date::Day {
                        year: y,
                        month: m,
                        day,
                    });
                }
            }
        }
        Date::Month { year, month, part } => {
            out.extend([-3, -2, -1, 1, 2, 3, 12, -12].into_iter().map(|d| {
                let (year, month) = month_step(year, month, d);
                Date::Month { year, month, part }
            }))
        }
        Date::Year { year, part } => out.extend([-3, -1, 1, 3].into_iter().map(|d| Date::Year {
            year: year + d,
            part,
        })),
        Date::Range { .. } => {}
    }
}

fn month_step(year: i32, month: u8, by: i32) -> (i32, u8) {
    let m = year * 12 + i32::from(month) - 1 + by;
    (m.div_euclid(12), (m.rem_euclid(12) + 1) as u8)
}

/// A date of the same form as `date` that does not overlap it, for a false
/// statement: another year, month or day at the same precision, or the same
/// range of years moved clear of itself. `None` when no such date is found.
pub(super) fn other_date(ix: &Index, e: usize, rng: &mut Seeded) -> Option<Date> {
    let date = &ix.event(e).date;
    let part = |d: &Date| match d {
        Date::Month { part, .. } | Date::Year { part, .. } => *part,
        _ => None,
    };
    match date {
        Date::Year { year, .. } => {
            let y = *years(ix, *year, *year, 1, rng).first()?;
            Some(Date::Year {
                year: y,
                part: part(date),
            })
        }
        Date::Month { .. } => match dates(ix, e, Precision::Month, 1, rng).pop()? {
            Date::Month { year, month, .. } => Some(Date::Month {
                year,
                month,
                part: part(date),
            }),
            _ => None,
        },
        Date::Day { .. } => dates(ix, e, Precision::Day, 1, rng).pop(),
        Date::Range { start, end } => {
            let (
                Date::Year {
                    year: a,
                    part: None,
                },
                Date::Year {
                    year: b,
                    part: None,
                },
            ) = (&**start, &**end)
            else {
                return None;
            };
            let span = b - a;
            let steps: Vec<i32> = [-(span + 3), -(span + 1), span + 1, span + 3]
                .into_iter()
                .filter(|d| b + d <= ix.max_year)
                .collect();
            let d = *rng.pick(&steps)?;
            Some(Date::Range {
                start: Box::new(Date::year(a + d)),
                end: Box::new(Date::year(b + d)),
            })
        }
    }
}

/// Actors of the answer's kinds, none of `exclude`, none named like an
/// answer or like each other. Small pools are shuffled whole; large ones
/// are sampled, with a bounded number of tries.
pub(super) fn actors(
    ix: &Index,
    kinds: &[ActorKind],
    exclude: &[usize],
    answers: &[usize],
    want: usize,
    rng: &mut Seeded,
) -> Vec<usize> {
    // The pools of the kinds asked, each once, in a fixed order.
    let asked = kinds.iter().fold(0u8, |mask, &k| mask | 1 << kind_slot(k));
    let mut pools: [&[usize]; 6] = [&[]; 6];
    let mut n_pools = 0;
    for (slot, k) in KINDS.into_iter().enumerate() {
        if asked & 1 << slot != 0 {
            pools[n_pools] = ix.kind_pool(k);
            n_pools += 1;
        }
    }
    let pools = &pools[..n_pools];
    let total: usize = pools.iter().map(|p| p.len()).sum();
    let mut taken: Vec<u64> = Vec::with_capacity(answers.len() + want);
    taken.extend(answers.iter().map(|&a| ix.name_key[a]));
    let mut out = Vec::with_capacity(want);
    let mut consider = |a: usize, out: &mut Vec<usize>| {
        if out.len() < want
            && !exclude.contains(&a)
            && !answers.contains(&a)
            && !taken.contains(&ix.name_key[a])
        {
            taken.push(ix.name_key[a]);
            out.push(a);
        }
    };
    if total <= 64 {
        let mut all: Vec<usize> = pools.concat();
        rng.shuffle(&mut all);
        for a in all {
            consider(a, &mut out);
        }
    } else {
        for _ in 0..want * 12 {
            let pool = pools[rng.below(pools.len())];
            if !pool.is_empty() {
                consider(pool[rng.below(pool.len())], &mut out);
            }
        }
    }
    out
}

/// Texts with their keys, to keep options distinct as [`crate::check`] compares them.
pub(super) fn distinct(answer: &str, others: Vec<String>) -> Vec<String> {
    let mut keys = vec![text_key(answer)];
    others
        .into_iter()
        .filter(|o| {
            let k = text_key(o);
            let fresh = !keys.contains(&k);
            keys.push(k);
            fresh
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_figures() {
        assert_eq!(round_significant(14_999, 2), 15_000);
        assert_eq!(round_significant(3_000, 2), 3_000);
        assert_eq!(round_significant(95, 2), 95);
        assert_eq!(round_significant(12_345_678, 2), 12_000_000);
        assert_eq!(round_significant(35_026, 4), 35_030);
        assert_eq!(significant_digits(30_000), 1);
        assert_eq!(significant_digits(70_052), 5);
        assert_eq!(significant_digits(7_005), 4);
    }

    #[test]
    fn figures_stay_off_the_range() {
        let mut rng = Seeded::new(1);
        let f = figures(30_000, 30_000, 30_000, 7, &mut rng);
        assert!(f.iter().all(|&v| v != 30_000));
        let mut sorted = f.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            vec![3_000, 6_000, 15_000, 60_000, 90_000, 150_000, 300_000]
        );
    }

    #[test]
    fn month_steps_wrap() {
        assert_eq!(month_step(2020, 1, -1), (2019, 12));
        assert_eq!(month_step(2020, 12, 2), (2021, 2));
    }
}
