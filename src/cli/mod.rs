//! Command-line front end. Each command is a module with its `Args` and a `run`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bots;
mod check;
pub mod client;
mod generate;
mod host;
mod nofile;
mod play;
mod serve;
mod show;
mod synth;

#[derive(Parser, Debug)]
#[command(
    name = "quizline",
    version,
    about = "Quizzes from historical-event datasets: generate question sets, play them in the terminal, serve them to a class.",
    after_help = "With no command, quizline serves the web app (same as `quizline serve`).\n\nExamples:\n  quizline                                    serve the bundled sets on http://127.0.0.1:8080\n  quizline play questions/karabakh/set.ron    test yourself in the terminal\n  quizline check questions/                   validate every file"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Options of `serve`, for when no command is given.
    #[command(flatten)]
    serve: serve::Args,
}

#[derive(Subcommand, Debug)]
enum Command {
    Play(play::Args),
    Generate(generate::Args),
    Check(check::Args),
    Show(show::Args),
    Synth(synth::Args),
    Serve(serve::Args),
    Host(host::Args),
    Bots(bots::Args),
}

/// Prints a line to stdout. A closed pipe (`quizline show … | head`) is not
/// an error worth a panic: the reader has what it wanted.
pub fn say(text: impl std::fmt::Display) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
}

/// What a server asks for: 10,000 players are 10,000 sockets. Falling
/// short is worth a warning, not a refusal to start.
pub fn raise_open_files() {
    if let Err(e) = nofile::raise(65_536) {
        tracing::warn!("{e:#}");
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => serve::run(cli.serve),
        Some(Command::Play(a)) => play::run(a),
        Some(Command::Generate(a)) => generate::run(a),
        Some(Command::Check(a)) => check::run(a),
        Some(Command::Show(a)) => show::run(a),
        Some(Command::Synth(a)) => synth::run(a),
        Some(Command::Serve(a)) => serve::run(a),
        Some(Command::Host(a)) => host::run(a),
        Some(Command::Bots(a)) => bots::run(a),
    }
}
