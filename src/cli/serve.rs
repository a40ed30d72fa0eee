//! `quizline serve`: the web app.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use quizline::server::{self, ServerConfig};

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
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_tracing();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let config = ServerConfig {
            questions: args.questions,
            data_dir: args.data,
        };
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
async fn shutdown_signal() {
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

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("QUIZLINE_LOG")
        .unwrap_or_else(|_| "quizline=info,warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
