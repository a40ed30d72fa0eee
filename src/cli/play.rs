//! `quizline play`.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(about = "play (not built yet)")]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`quizline play` is not built yet")
}
