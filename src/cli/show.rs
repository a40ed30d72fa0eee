//! `quizline show`.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(about = "show (not built yet)")]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`quizline show` is not built yet")
}
