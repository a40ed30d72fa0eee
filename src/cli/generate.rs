//! `quizline generate`.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(about = "generate (not built yet)")]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`quizline generate` is not built yet")
}
