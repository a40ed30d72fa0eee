//! The load driver's own accounting, small: the `quizline bots` binary,
//! against a server in this process, making several rooms and playing them
//! at once (the mode behind the
//! 300-rooms benchmark), with every answer acknowledged and scored and every
//! question seen exactly once. Speed is never asserted here; the benchmarks
//! in `benches/load/` measure it.

use std::path::PathBuf;

use quizline::server::{self, ServerConfig};
use serde_json::Value;
use tokio::sync::oneshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_create_rooms_and_play_them_all_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (state, skipped) = server::open(&ServerConfig {
        questions: vec![fixtures.join("live-mixed.ron")],
        data_dir: dir.path().to_path_buf(),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    let live = state.live.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let (rooms, per_room, questions) = (4u64, 10u64, 8u64);
    let options = serde_json::json!({"count": questions, "time_limit_s": 30, "seed": 3});
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_quizline"))
        .args(["bots", "--url", &format!("http://{addr}")])
        .args(["--create", "live-mixed", "--rooms", &rooms.to_string()])
        .args(["--room-options", &options.to_string()])
        .args(["--count", &per_room.to_string(), "--accuracy", "0.5"])
        .args([
            "--think-ms",
            "10..150",
            "--drive",
            "--timeout",
            "90",
            "--json",
        ])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "a clean run exits 0: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&text).unwrap();
    let n = |field: &str| {
        report[field]
            .as_u64()
            .unwrap_or_else(|| panic!("{field}: {text}"))
    };
    let latency = |field: &str| report[field]["count"].as_u64().unwrap();
    assert_eq!(n("rooms"), rooms, "{text}");
    assert_eq!(live.room_count() as u64, rooms, "{text}");
    assert_eq!(n("bots"), rooms * per_room);
    assert_eq!(n("joined"), rooms * per_room);
    assert_eq!(
        n("create_errors") + n("join_errors") + n("connect_errors"),
        0
    );
    assert_eq!(report["errors"], serde_json::json!({}), "{text}");
    let answers = rooms * per_room * questions;
    assert_eq!(n("answers_sent"), answers, "{text}");
    assert_eq!(n("answers_acked"), answers, "{text}");
    assert_eq!(n("results_received"), answers, "{text}");
    assert_eq!(n("unscored"), 0, "{text}");
    assert_eq!(n("finished"), rooms * per_room, "{text}");
    assert_eq!(n("questions_opened"), questions, "{text}");
    assert_eq!(
        latency("fanout"),
        answers,
        "every bot saw every question live"
    );
    assert_eq!(
        report["fanout_last"].as_array().unwrap().len() as u64,
        questions
    );
    assert_eq!(latency("ack"), answers, "{text}");
    assert_eq!(latency("next_to_open"), rooms * questions, "{text}");
    assert_eq!(n("dropped_events") + n("duplicate_events"), 0);
    assert_eq!(report["timed_out"], false);
    assert_eq!(
        report["guessing"], false,
        "created rooms give the bots their keys"
    );
}
