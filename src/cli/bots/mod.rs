//! `quizline bots`: simulated students for demos and load tests, over the
//! real protocol, on this machine only. [`driver`] runs them (and plays the
//! host), [`bot`] is one student, [`report`] what they measured and
//! [`proc`] the CPU and memory readings from `/proc`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;

mod bot;
mod driver;
mod proc;
mod report;

use driver::{BotConfig, CreateRooms};

#[derive(clap::Args, Debug)]
#[command(
    about = "Join simulated students to a live room on this machine (demos and load tests)",
    after_help = "Examples:\n  quizline bots --url http://127.0.0.1:8080 --code 123456 --count 30\n  quizline bots --url http://127.0.0.1:8080 --code 123456 --count 1000 --key SECRET --drive --server-pid 4242\n  quizline bots --url http://127.0.0.1:8080 --create live-mixed --rooms 300 --count 30 --drive\n\nWith --key (the host secret from `quizline host`) bots answer right with the chance --accuracy; without it they guess.\nWith --drive they also play the host, so the run starts, plays every question and ends by itself.\nWith --create they make --rooms rooms of that set (options from --room-options, JSON as in POST /api/rooms) and play them all at once; --count is per room.\nOnly loopback addresses are accepted. The open-file limit is raised to what the bots need when the hard limit allows; otherwise raise it with `ulimit -n`.\nExit status 0 only when every bot joined, every answer sent was acknowledged and scored, and nothing was refused, dropped or duplicated."
)]
pub struct Args {
    /// The server, e.g. http://127.0.0.1:8080 (loopback only).
    #[arg(long)]
    pub url: String,
    /// The room's six-digit join code.
    #[arg(long, required_unless_present = "create")]
    pub code: Option<String>,
    /// Bots (per room with --create).
    #[arg(long, default_value_t = 30)]
    pub count: usize,
    /// Make rooms of this question set instead of joining --code (needs --drive).
    #[arg(long, conflicts_with_all = ["code", "key"], requires = "drive")]
    pub create: Option<String>,
    /// How many rooms --create makes; all are played at once.
    #[arg(long, default_value_t = 1, requires = "create")]
    pub rooms: usize,
    /// Options of the rooms --create makes, as JSON (see POST /api/rooms).
    #[arg(long, default_value = "{}", requires = "create")]
    pub room_options: String,
    /// Chance of answering right, 0 to 1 (needs --key).
    #[arg(long, default_value_t = 0.7)]
    pub accuracy: f64,
    /// Think time before each answer, in milliseconds: LOW..HIGH.
    #[arg(long, default_value = "500..3000")]
    pub think_ms: String,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The room's host secret: read the answer key, and --drive.
    #[arg(long, env = "QUIZLINE_HOST_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// Also play the host: start when all have joined, move on after each reveal.
    #[arg(long)]
    pub drive: bool,
    /// Stop everything after this many seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
    /// Joins and handshakes in flight at once.
    #[arg(long, default_value_t = 256)]
    pub concurrency: usize,
    /// The server's process id, to report its peak memory from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let think_ms = parse_range(&args.think_ms)?;
    if args.count == 0 || args.count > 50_000 {
        bail!("--count must be from 1 to 50,000");
    }
    if args.rooms == 0 || args.rooms.saturating_mul(args.count) > 50_000 {
        bail!("--rooms times --count must be from 1 to 50,000");
    }
    let create = match &args.create {
        Some(set) => Some(CreateRooms {
            set: set.clone(),
            rooms: args.rooms,
            options: serde_json::from_str(&args.room_options)
                .map_err(|e| anyhow::anyhow!("--room-options is not JSON: {e}"))?,
        }),
        None => None,
    };
    if args.timeout == 0 || args.timeout > 3600 {
        bail!("--timeout must be from 1 to 3600 seconds");
    }
    // One socket per bot and per room's host, plus a few for the driver.
    let bots = args.count * args.rooms;
    let need = (bots + args.rooms) as u64 + 64;
    let limit = super::nofile::raise(need)?;
    if limit < need {
        bail!(
            "{bots} bots need {need} open files but the limit is {limit}; raise it with `ulimit -n {need}` (as root, or in /etc/security/limits.conf)"
        );
    }
    let config = BotConfig {
        url: args.url,
        code: args.code.unwrap_or_default(),
        count: args.count,
        accuracy: args.accuracy,
        think_ms,
        seed: args.seed,
        key: args.key,
        drive: args.drive,
        timeout: Duration::from_secs(args.timeout),
        connect_concurrency: args.concurrency.max(1),
        server_pid: args.server_pid,
        prefix: "bot".into(),
        create,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(driver::run(config))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.summary());
    }
    Ok(if report.clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Parses `a..b` (milliseconds) as used by `--think-ms`.
fn parse_range(text: &str) -> anyhow::Result<(u64, u64)> {
    let (a, b) = match text.split_once("..") {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (text.trim(), text.trim()),
    };
    let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>()) else {
        bail!("'{text}' is not a range such as 500..3000");
    };
    if a > b {
        bail!("'{text}': the low end is above the high end");
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("500..3000").unwrap(), (500, 3000));
        assert_eq!(parse_range("700").unwrap(), (700, 700));
        assert!(parse_range("3000..500").is_err());
        assert!(parse_range("a..b").is_err());
    }
}
