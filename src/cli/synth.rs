//! `quizline synth`: a synthetic dataset of any size, for benchmarks and demos.

use std::path::PathBuf;
use std::process::ExitCode;

use quizline::files;

#[derive(clap::Args, Debug)]
#[command(
    about = "Write a synthetic event dataset of any size (on an invented topic)",
    after_help = "Example:\n  quizline synth 100000 -o /tmp/synth.ron && quizline generate /tmp/synth.ron -o /tmp/synth-set.ron"
)]
pub struct Args {
    /// Number of events.
    pub events: usize,
    #[arg(short, long)]
    pub output: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dataset = quizline::synth::synthesize(args.events, args.seed);
    files::write_atomic(&args.output, files::to_ron(&dataset).as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.output.display()))?;
    eprintln!(
        "wrote {} ({} events)",
        args.output.display(),
        dataset.events.len()
    );
    Ok(ExitCode::SUCCESS)
}
