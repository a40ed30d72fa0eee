//! `quizline serve`: the web app, and the server options `quizline host`
//! shares. Every option can also come from a `QUIZLINE_…` variable; this is
//! the only place the environment is read for them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use quizline::live::LiveConfig;
use quizline::server::{self, ServerConfig, Timeouts};

#[derive(clap::Args, Debug)]
#[command(
    about = "Serve the web app: self-tests and live class quizzes",
    after_help = "Example:\n  quizline serve --addr 0.0.0.0:8080 --questions questions/ --data ./quizline-data\n\nInvalid question files are reported with path:line:col and skipped."
)]
pub struct Args {
    /// Address to listen on; use 0.0.0.0:8080 to let a classroom LAN connect.
    #[arg(long, env = "QUIZLINE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Question-set files or directories (repeatable).
    #[arg(
        long = "questions",
        env = "QUIZLINE_QUESTIONS",
        value_delimiter = ',',
        default_value = "questions"
    )]
    pub questions: Vec<PathBuf>,
    /// Directory for the database.
    #[arg(long = "data", env = "QUIZLINE_DATA", default_value = "quizline-data")]
    pub data: PathBuf,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// The options `serve` and `host` share beyond where the files are.
#[derive(clap::Args, Debug, Clone)]
pub struct ServerArgs {
    /// The address students reach this server at, for the join link and QR
    /// code (e.g. http://192.168.1.20:8080); by default the address the
    /// host's browser used.
    #[arg(long, env = "QUIZLINE_PUBLIC_URL", value_parser = public_url)]
    pub public_url: Option<String>,
    /// Rate-limit joins from this machine too (off: `quizline bots` is the
    /// operator's own load).
    #[arg(long, env = "QUIZLINE_LIMIT_LOOPBACK", value_parser = clap::builder::FalseyValueParser::new())]
    pub limit_loopback: bool,
    /// Seconds a client has to send a request's headers, and an idle
    /// keep-alive connection to start its next request.
    #[arg(long, env = "QUIZLINE_HEADER_TIMEOUT", value_parser = seconds, default_value = "10", value_name = "SECONDS")]
    pub header_timeout: Duration,
    /// Seconds a live-quiz socket may stay open without saying hello.
    #[arg(long, env = "QUIZLINE_HELLO_TIMEOUT", value_parser = seconds, default_value = "10", value_name = "SECONDS")]
    pub hello_timeout: Duration,
    /// Live-quiz sockets one address may hold open before saying hello.
    #[arg(long, env = "QUIZLINE_GREETING_PER_ADDRESS", default_value_t = LiveConfig::default().greeting_per_address, value_name = "SOCKETS")]
    pub greeting_per_address: usize,
}

impl ServerArgs {
    pub fn config(&self, questions: Vec<PathBuf>, data_dir: PathBuf) -> ServerConfig {
        ServerConfig {
            questions,
            data_dir,
            timeouts: Timeouts {
                header_read: self.header_timeout,
                ..Timeouts::default()
            },
            live: LiveConfig {
                public_url: self.public_url.clone(),
                limit_loopback: self.limit_loopback,
                hello_deadline: self.hello_timeout,
                greeting_per_address: self.greeting_per_address,
                ..LiveConfig::default()
            },
        }
    }
}

/// `http://` or `https://` and a host, without the trailing slash.
fn public_url(text: &str) -> Result<String, String> {
    let url = text.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("'{text}' is not an http:// or https:// address"))?;
    if rest.is_empty() || rest.contains([' ', '?', '#', '"', '<', '>']) {
        return Err(format!(
            "'{text}' must be an address such as http://192.168.1.20:8080"
        ));
    }
    Ok(url.to_string())
}

/// Seconds, possibly fractional: `10`, `0.5`.
fn seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| !d.is_zero() && *d <= Duration::from_secs(24 * 3600))
        .ok_or_else(|| format!("'{text}' is not a number of seconds from 0 to 86400"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_tracing();
    super::raise_open_files();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let config = args.server.config(args.questions, args.data);
        let (state, skipped) = server::open(&config).await?;
        for e in &skipped {
            eprintln!("skipped: {e}");
        }
        let listener = tokio::net::TcpListener::bind(args.addr).await?;
        let addr = listener.local_addr()?;
        println!(
            "quizline: serving {} question set(s) on http://{addr}/",
            state.catalog.len()
        );
        server::serve(listener, state, shutdown_signal()).await?;
        eprintln!("quizline: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("QUIZLINE_LOG")
        .unwrap_or_else(|_| "quizline=info,warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
