//! `quizline host`.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(about = "host (not built yet)")]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`quizline host` is not built yet")
}
