//! `quizline synth`.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(about = "synth (not built yet)")]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`quizline synth` is not built yet")
}
