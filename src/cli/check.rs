//! `quizline check`.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(about = "check (not built yet)")]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`quizline check` is not built yet")
}
