//! `quizline bots`.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(about = "bots (not built yet)")]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`quizline bots` is not built yet")
}
