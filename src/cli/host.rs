//! `quizline host`: create a live room and print its join code and links,
//! on a server this command starts or on one already running (`--url`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::client::{Base, Client};
use anyhow::{Context, bail};
use quizline::engine::SpeedRule;
use quizline::http::join::{JoinBase, lan_addresses};
use quizline::live::http::{CreateRequest, CreateResponse};
use quizline::live::{LeaderboardMode, RoomOptions};
use quizline::question::Kind;
use quizline::server;

#[derive(clap::Args, Debug)]
#[command(
    about = "Host a live class quiz: create a room and print its join code, student link and host link",
    after_help = "Examples:\n  quizline host live-mixed --questions tests/fixtures --count 5 --time 30\n  quizline host questions/karabakh/set.ron --scoring accuracy-only --untimed\n  quizline host live-mixed --url http://127.0.0.1:8080\n\nOpen the host link on the projector; students open the student link (or scan the QR code on the host screen) and type the code.\nFor a classroom network, start with --addr 0.0.0.0:8080: links and the QR code then use this machine's LAN address. Pass --public-url (or set QUIZLINE_PUBLIC_URL) when students reach it by another address."
)]
pub struct Args {
    /// A question set: its id, or the path of its .ron file.
    pub set: String,
    /// Number of questions (default 10; 0 for every matching question).
    #[arg(long, default_value_t = 10)]
    pub count: usize,
    /// Only these kinds, comma-separated (e.g. single-choice,true-false).
    #[arg(long, value_delimiter = ',')]
    pub kinds: Vec<String>,
    /// Seconds per question.
    #[arg(long, default_value_t = 20, conflicts_with = "untimed")]
    pub time: u32,
    /// No timer: the host moves on.
    #[arg(long)]
    pub untimed: bool,
    /// How speed counts.
    #[arg(long, value_enum, default_value_t = Scoring::Speed)]
    pub scoring: Scoring,
    /// No bonus for right answers in a row.
    #[arg(long)]
    pub no_streak: bool,
    /// No partial credit for partly right answers.
    #[arg(long)]
    pub no_partial: bool,
    /// Nobody may join once the game has started.
    #[arg(long)]
    pub lock_late_join: bool,
    /// When the leaderboard is shown.
    #[arg(long, value_enum, default_value_t = Leaderboard::Each)]
    pub leaderboard: Leaderboard,
    #[arg(long, default_value_t = 1000)]
    pub max_players: u32,
    /// Fixes the choice and order of questions and options.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Use the server already running here instead of starting one.
    #[arg(long, conflicts_with_all = ["addr", "data"])]
    pub url: Option<String>,
    /// Address for the server this command starts.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: Option<SocketAddr>,
    /// Question-set files or directories for the server this command starts.
    #[arg(long = "questions", value_delimiter = ',', default_value = "questions")]
    pub questions: Vec<PathBuf>,
    /// Database directory for the server this command starts.
    #[arg(long, default_value = "quizline-data")]
    pub data: Option<PathBuf>,
    /// Options of the server this command starts.
    #[command(flatten)]
    pub server: super::serve::ServerArgs,
}

/// `--scoring`: the engine's [`SpeedRule`], under the same names.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scoring {
    /// Kahoot-style: full points for an instant answer, half at the buzzer.
    Speed,
    /// From full points down to a tenth at the buzzer.
    #[value(alias = "linear")]
    LinearDecay,
    /// Speed does not count.
    #[value(alias = "accuracy")]
    AccuracyOnly,
}

impl From<Scoring> for SpeedRule {
    fn from(s: Scoring) -> SpeedRule {
        match s {
            Scoring::Speed => SpeedRule::Speed,
            Scoring::LinearDecay => SpeedRule::LinearDecay,
            Scoring::AccuracyOnly => SpeedRule::AccuracyOnly,
        }
    }
}

/// `--leaderboard`: the room's [`LeaderboardMode`], under the same names.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaderboard {
    /// After every question.
    Each,
    /// Only at the end.
    End,
}

impl From<Leaderboard> for LeaderboardMode {
    fn from(l: Leaderboard) -> LeaderboardMode {
        match l {
            Leaderboard::Each => LeaderboardMode::Each,
            Leaderboard::End => LeaderboardMode::End,
        }
    }
}

fn options(args: &Args) -> anyhow::Result<RoomOptions> {
    let scoring = SpeedRule::from(args.scoring);
    let leaderboard = LeaderboardMode::from(args.leaderboard);
    let mut kinds = Vec::new();
    for k in &args.kinds {
        kinds.push(Kind::parse(k).with_context(|| {
            format!(
                "unknown kind '{k}'; kinds are {}",
                Kind::ALL.map(|k| k.as_str()).join(", ")
            )
        })?);
    }
    let options = RoomOptions {
        count: (args.count > 0).then_some(args.count),
        kinds,
        time_limit_s: (!args.untimed).then_some(args.time),
        scoring,
        streak_bonus: !args.no_streak,
        partial_credit: !args.no_partial,
        late_join: !args.lock_late_join,
        leaderboard,
        max_players: args.max_players,
        seed: args.seed,
    };
    options.validate()?;
    Ok(options)
}

/// A set given as a file: its id, read from the file.
fn set_id(set: &str) -> anyhow::Result<(String, Option<PathBuf>)> {
    let path = Path::new(set);
    if path.is_file() {
        let (parsed, _) = quizline::files::load_set(path).map_err(|e| anyhow::anyhow!("{e}"))?;
        return Ok((parsed.id, Some(path.to_path_buf())));
    }
    Ok((set.to_string(), None))
}

/// `students` is where phones reach the server; `base` where this machine does.
fn print_room(students: &str, base: &str, code: &str, secret: &str, title: &str, questions: usize) {
    println!("Room ready: {title} · {questions} questions");
    println!("  join code:   {} {}", &code[..3], &code[3..]);
    println!("  students:    {students}/play/{code}");
    println!("  host screen: {base}/host/{code}#key={secret}");
    println!("  results:     {base}/api/rooms/{code}/results.csv  (Authorization: Bearer <key>)");
    println!("  demo bots:   quizline bots --url {base} --code {code} --count 30 --key {secret}");
    println!("Keep the host link to yourself: it controls the room.");
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = options(&args)?;
    let (id, file) = set_id(&args.set)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        if let Some(url) = &args.url {
            let base = Base::parse(url)?;
            let client = Client::new(base);
            let reply = client
                .post_json(
                    "/api/rooms",
                    None,
                    &CreateRequest {
                        set: id.clone(),
                        options,
                    },
                )
                .await?;
            if !reply.status.is_success() {
                bail!("the server refused: {}", reply.error_message());
            }
            let created: CreateResponse = reply.json()?;
            let title = id.clone();
            let base = &client.base().http;
            print_room(base, base, &created.code, &created.host_secret, &title, created.questions);
            return Ok(ExitCode::SUCCESS);
        }

        let mut questions = args.questions.clone();
        if let Some(f) = file {
            questions.push(f);
        }
        super::raise_open_files();
        let config = args.server.config(
            questions,
            args.data.clone().unwrap_or_else(|| "quizline-data".into()),
        );
        let (state, skipped) = server::open(&config).await?;
        for e in &skipped {
            // A set loaded twice (given as a file inside --questions) is not a problem.
            if !e.message.contains("already has set id") {
                eprintln!("skipped: {e}");
            }
        }
        let created = state
            .live
            .create_room(&id, options, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let title = state
            .catalog
            .get(&id)
            .map(|s| s.title.clone())
            .unwrap_or_default();
        let addr = args.addr.unwrap_or_else(|| "127.0.0.1:8080".parse().expect("address"));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener.local_addr()?;
        println!(
            "quizline: serving {} question set(s) on http://{bound}/",
            state.catalog.len()
        );
        // The same rule as the host screen: the public URL, else this
        // machine's LAN address when the server listens on the network.
        let join = JoinBase::resolve(
            state.live.config().public_url.as_deref(),
            Some(bound),
            None,
            &lan_addresses(),
        );
        let local = match bound.ip().is_unspecified() {
            true => format!("http://127.0.0.1:{}", bound.port()),
            false => format!("http://{bound}"),
        };
        print_room(&join.url, &local, &created.code, &created.host_secret, &title, created.questions);
        if let Some(command) = &join.command {
            println!(
                "Note: phones cannot join: the server listens on this computer alone. For the class network, start it with `{}` (and --public-url if students use another address).",
                command.replace("quizline serve", "quizline host SET")
            );
        } else if join.warning.is_some() {
            println!("Note: phones cannot join: this computer has no network address right now.");
        }
        println!("Press Ctrl-C to stop the server.");
        server::serve(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    /// The flags' names are the library's: what `--scoring` takes is what a
    /// room's JSON says.
    #[test]
    fn flag_values_are_the_library_names() {
        for s in Scoring::value_variants() {
            let name = s.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(name, SpeedRule::from(*s).as_str());
        }
        for l in Leaderboard::value_variants() {
            let name = l.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(name, LeaderboardMode::from(*l).as_str());
        }
        assert_eq!(Scoring::from_str("linear", false), Ok(Scoring::LinearDecay));
    }
}
