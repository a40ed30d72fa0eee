//! Generation time at 1k, 10k and 100k synthetic events, and synthesis time
//! at 100k. Datasets are built outside the timed loop; the returned set is
//! dropped outside it too, so only generation is measured.
//!
//! `QUIZLINE_BENCH_1M=1 cargo bench --bench generate` also times one run
//! at a million events (too slow to sample repeatedly).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use quizline::generate::generate;
use quizline::synth::synthesize;

fn generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    for events in [1_000, 10_000, 100_000] {
        let dataset = synthesize(events, 1);
        group.throughput(Throughput::Elements(events as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(events),
            &dataset,
            |b, dataset| b.iter_with_large_drop(|| generate(black_box(dataset), 1, &mut |_, _| {})),
        );
    }
    group.finish();
}

fn synthesis(c: &mut Criterion) {
    let mut group = c.benchmark_group("synthesize");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(100_000));
    group.bench_function("100000", |b| {
        b.iter_with_large_drop(|| synthesize(black_box(100_000), 1))
    });
    group.finish();
}

/// One timed run at a million events, printed rather than sampled.
fn million(_: &mut Criterion) {
    if std::env::var_os("QUIZLINE_BENCH_1M").is_none() {
        return;
    }
    let start = Instant::now();
    let dataset = synthesize(1_000_000, 1);
    let synthesized = start.elapsed();
    let start = Instant::now();
    let set = generate(&dataset, 1, &mut |_, _| {});
    let generated = start.elapsed();
    println!(
        "1M events: synthesize {:.2?}, generate {:.2?} ({} questions)",
        synthesized,
        generated,
        set.questions.len()
    );
}

criterion_group!(benches, generation, synthesis, million);
criterion_main!(benches);
