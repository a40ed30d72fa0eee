//! Dates at the precision their source gives: a day, a month, a year, or a
//! range of those, with qualifiers such as "late". Nothing here ever adds
//! precision: a year stays a year when it is compared, shown or asked.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Date {
    Day {
        year: i32,
        month: u8,
        day: u8,
    },
    Month {
        year: i32,
        month: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        part: Option<Part>,
    },
    Year {
        year: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        part: Option<Part>,
    },
    /// From one date to another, inclusive ("from 1992 to 1994").
    Range {
        start: Box<Date>,
        end: Box<Date>,
    },
}

/// Which part of a month or year ("late May", "end of the year").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Part {
    Early,
    Mid,
    Late,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Precision {
    Year,
    Month,
    Day,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub fn month_name(month: u8) -> &'static str {
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}

/// `n` in decimal, as `Display` writes it.
fn push_number(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar.
fn day_number(year: i32, month: u8, day: u8) -> i64 {
    // Howard Hinnant's days_from_civil.
    let y = i64::from(year) - i64::from(month <= 2);
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

impl Date {
    pub fn year(year: i32) -> Date {
        Date::Year { year, part: None }
    }

    /// The first and last day the date can mean, as day numbers. Qualifiers
    /// such as "late" do not narrow it: ordering must stay certain.
    pub fn interval(&self) -> (i64, i64) {
        match *self {
            Date::Day { year, month, day } => {
                let d = day_number(year, month, day);
                (d, d)
            }
            Date::Month { year, month, .. } => (
                day_number(year, month, 1),
                day_number(year, month, days_in_month(year, month)),
            ),
            Date::Year { year, .. } => (day_number(year, 1, 1), day_number(year, 12, 31)),
            Date::Range { ref start, ref end } => (start.interval().0, end.interval().1),
        }
    }

    /// True when every day this date can mean comes before every day `other` can.
    pub fn certainly_before(&self, other: &Date) -> bool {
        self.interval().1 < other.interval().0
    }

    pub fn precision(&self) -> Precision {
        match self {
            Date::Day { .. } => Precision::Day,
            Date::Month { .. } => Precision::Month,
            Date::Year { .. } => Precision::Year,
            Date::Range { start, end } => start.precision().min(end.precision()),
        }
    }

    /// The year the date starts in.
    pub fn start_year(&self) -> i32 {
        match self {
            Date::Day { year, .. } | Date::Month { year, .. } | Date::Year { year, .. } => *year,
            Date::Range { start, .. } => start.start_year(),
        }
    }

    /// The year the date ends in.
    pub fn end_year(&self) -> i32 {
        match self {
            Date::Range { end, .. } => end.end_year(),
            other => other.start_year(),
        }
    }

    /// The single year the date lies in, if it lies in one.
    pub fn single_year(&self) -> Option<i32> {
        (self.start_year() == self.end_year()).then(|| self.start_year())
    }

    /// ISO 8601 at the date's precision: `1991-09-02`, `2020-09`, `1923`,
    /// and `1992/1994` for a range.
    pub fn iso(&self) -> String {
        match self {
            Date::Day { year, month, day } => format!("{year:04}-{month:02}-{day:02}"),
            Date::Month { year, month, .. } => format!("{year:04}-{month:02}"),
            Date::Year { year, .. } => format!("{year:04}"),
            Date::Range { start, end } => format!("{}/{}", start.iso(), end.iso()),
        }
    }

    /// The date as a reader would say it: "2 September 1991", "late September 2020".
    pub fn display(&self) -> String {
        let mut out = String::with_capacity(24);
        self.write_display(&mut out);
        out
    }

    /// [`Date::display`], appended to `out`. Generating a large set writes
    /// dates by the hundred thousand, and `format!` is slow at it.
    pub fn write_display(&self, out: &mut String) {
        fn part(p: &Option<Part>) -> &'static str {
            match p {
                None => "",
                Some(Part::Early) => "early ",
                Some(Part::Mid) => "mid-",
                Some(Part::Late) => "late ",
                Some(Part::End) => "the end of ",
            }
        }
        match self {
            Date::Day { year, month, day } => {
                push_number(out, i64::from(*day));
                out.push(' ');
                out.push_str(month_name(*month));
                out.push(' ');
                push_number(out, i64::from(*year));
            }
            Date::Month {
                year,
                month,
                part: p,
            } => {
                out.push_str(part(p));
                out.push_str(month_name(*month));
                out.push(' ');
                push_number(out, i64::from(*year));
            }
            Date::Year { year, part: p } => {
                out.push_str(part(p));
                push_number(out, i64::from(*year));
            }
            Date::Range { start, end } => match (&**start, &**end) {
                (
                    Date::Year {
                        year: a,
                        part: None,
                    },
                    Date::Year {
                        year: b,
                        part: None,
                    },
                ) => {
                    push_number(out, i64::from(*a));
                    out.push('–');
                    push_number(out, i64::from(*b));
                }
                (a, b) => {
                    a.write_display(out);
                    out.push_str(" – ");
                    b.write_display(out);
                }
            },
        }
    }

    /// What is wrong with the date, if anything: a month or day that does
    /// not exist, or a range that ends before it starts.
    pub fn problem(&self) -> Option<String> {
        match *self {
            Date::Day { year, month, day } => {
                if !(1..=12).contains(&month) {
                    Some(format!("month {month} is not between 1 and 12"))
                } else if day == 0 || day > days_in_month(year, month) {
                    Some(format!("{} {year} has no day {day}", month_name(month)))
                } else {
                    None
                }
            }
            Date::Month { month, .. } if !(1..=12).contains(&month) => {
                Some(format!("month {month} is not between 1 and 12"))
            }
            Date::Month { .. } | Date::Year { .. } => None,
            Date::Range { ref start, ref end } => start
                .problem()
                .or_else(|| end.problem())
                .or_else(|| {
                    matches!(**start, Date::Range { .. })
                        .then(|| "a range cannot start with a range".to_string())
                })
                .or_else(|| {
                    matches!(**end, Date::Range { .. })
                        .then(|| "a range cannot end with a range".to_string())
                })
                .or_else(|| {
                    (end.interval().1 < start.interval().0).then(|| {
                        format!(
                            "range ends ({}) before it starts ({})",
                            end.iso(),
                            start.iso()
                        )
                    })
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_iso(date: Date, iso: &str, display: &str) {
        assert_eq!(date.iso(), iso);
        assert_eq!(date.display(), display);
    }

    #[test]
    fn iso_and_display_keep_precision() {
        check_iso(
            Date::Day {
                year: 1991,
                month: 9,
                day: 2,
            },
            "1991-09-02",
            "2 September 1991",
        );
        check_iso(
            Date::Month {
                year: 2020,
                month: 9,
                part: Some(Part::Late),
            },
            "2020-09",
            "late September 2020",
        );
        check_iso(Date::year(1923), "1923", "1923");
        check_iso(
            Date::Range {
                start: Box::new(Date::year(1992)),
                end: Box::new(Date::year(1994)),
            },
            "1992/1994",
            "1992–1994",
        );
    }

    #[test]
    fn ordering_is_certain_only_without_overlap() {
        let war = Date::Range {
            start: Box::new(Date::year(1992)),
            end: Box::new(Date::year(1994)),
        };
        let ceasefire = Date::year(1994);
        assert!(!war.certainly_before(&ceasefire));
        assert!(!ceasefire.certainly_before(&war));
        let sept = Date::Month {
            year: 2020,
            month: 9,
            part: Some(Part::Late),
        };
        let nov = Date::Day {
            year: 2020,
            month: 11,
            day: 10,
        };
        assert!(sept.certainly_before(&nov));
        let year2020 = Date::year(2020);
        assert!(!year2020.certainly_before(&nov));
        assert!(!nov.certainly_before(&year2020));
    }

    #[test]
    fn problems_are_found() {
        assert!(
            Date::Day {
                year: 2023,
                month: 2,
                day: 29
            }
            .problem()
            .is_some()
        );
        assert!(
            Date::Day {
                year: 2024,
                month: 2,
                day: 29
            }
            .problem()
            .is_none()
        );
        assert!(
            Date::Month {
                year: 2024,
                month: 13,
                part: None
            }
            .problem()
            .is_some()
        );
        let backwards = Date::Range {
            start: Box::new(Date::year(1994)),
            end: Box::new(Date::year(1992)),
        };
        assert!(backwards.problem().unwrap().contains("before it starts"));
    }

    #[test]
    fn day_numbers_match_the_calendar() {
        assert_eq!(day_number(1970, 1, 1), 0);
        assert_eq!(day_number(2000, 3, 1) - day_number(2000, 2, 28), 2);
        assert_eq!(day_number(1900, 3, 1) - day_number(1900, 2, 28), 1);
    }
}
