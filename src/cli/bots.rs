//! `quizline bots`: simulated students for demos and load tests, over the
//! real protocol, on this machine only.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use quizline::live::bots::{self, BotConfig};
use quizline::live::util::{parse_range, raise_nofile_limit};

#[derive(clap::Args, Debug)]
#[command(
    about = "Join simulated students to a live room on this machine (demos and load tests)",
    after_help = "Examples:\n  quizline bots --url http://127.0.0.1:8080 --code 123456 --count 30\n  quizline bots --url http://127.0.0.1:8080 --code 123456 --count 1000 --key SECRET --drive --server-pid 4242\n\nWith --key (the host secret from `quizline host`) bots answer right with the chance --accuracy; without it they guess.\nWith --drive they also play the host, so the run starts, plays every question and ends by itself.\nOnly loopback addresses are accepted. The open-file limit is raised to what --count needs when the hard limit allows; otherwise raise it with `ulimit -n`."
)]
pub struct Args {
    /// The server, e.g. http://127.0.0.1:8080 (loopback only).
    #[arg(long)]
    pub url: String,
    /// The room's six-digit join code.
    #[arg(long)]
    pub code: String,
    #[arg(long, default_value_t = 30)]
    pub count: usize,
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
    let think_ms = parse_range(&args.think_ms).map_err(anyhow::Error::msg)?;
    if args.count == 0 || args.count > 50_000 {
        bail!("--count must be from 1 to 50,000");
    }
    if args.timeout == 0 || args.timeout > 3600 {
        bail!("--timeout must be from 1 to 3600 seconds");
    }
    // One socket per bot, plus a few for the driver itself.
    let need = args.count as u64 + 64;
    match raise_nofile_limit(need) {
        Ok(limit) if limit < need => bail!(
            "{} bots need {need} open files but the limit is {limit}; raise it with `ulimit -n {need}` (as root, or in /etc/security/limits.conf)",
            args.count
        ),
        Ok(_) => {}
        Err(e) => bail!("{e}"),
    }
    let config = BotConfig {
        url: args.url,
        code: args.code,
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
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime
        .block_on(bots::run(config))
        .map_err(anyhow::Error::msg)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.summary());
    }
    let clean = report.error_count() == 0
        && report.joined == report.bots
        && report.dropped_events == 0
        && report.duplicate_events == 0
        && !report.timed_out;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
