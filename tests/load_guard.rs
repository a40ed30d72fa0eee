//! The load driver's own accounting, in-process and small: `quizline bots`
//! making several rooms and playing them at once (the mode behind the
//! 300-rooms benchmark), with every answer acknowledged and scored and every
//! question seen exactly once. Speed is never asserted here; the benchmarks
//! in `benches/load/` measure it.

use std::path::PathBuf;
use std::time::Duration;

use quizline::live::bots::{self, BotConfig, CreateRooms};
use quizline::server::{self, ServerConfig};
use tokio::sync::oneshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_create_rooms_and_play_them_all_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (state, skipped) = server::open(&ServerConfig {
        questions: vec![fixtures.join("live-mixed.ron")],
        data_dir: dir.path().to_path_buf(),
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

    let (rooms, per_room, questions) = (4, 10, 8);
    let report = bots::run(BotConfig {
        url: format!("http://{addr}"),
        count: per_room,
        accuracy: 0.5,
        think_ms: (10, 150),
        drive: true,
        timeout: Duration::from_secs(90),
        create: Some(CreateRooms {
            set: "live-mixed".into(),
            rooms,
            options: serde_json::json!({"count": questions, "time_limit_s": 30, "seed": 3}),
        }),
        ..Default::default()
    })
    .await
    .unwrap();
    let summary = report.summary();
    assert!(report.clean(), "{summary}");
    assert_eq!(report.rooms, rooms, "{summary}");
    assert_eq!(live.room_count(), rooms, "{summary}");
    assert_eq!(report.bots, rooms * per_room);
    assert_eq!(report.joined, rooms * per_room);
    let answers = rooms * per_room * questions;
    assert_eq!(report.answers_sent, answers, "{summary}");
    assert_eq!(report.answers_acked, answers, "{summary}");
    assert_eq!(report.results_received, answers, "{summary}");
    assert_eq!(report.unscored, 0, "{summary}");
    assert_eq!(report.finished, rooms * per_room, "{summary}");
    assert_eq!(report.questions_opened, questions, "{summary}");
    assert_eq!(
        report.fanout.count, answers,
        "every bot saw every question live"
    );
    assert_eq!(report.fanout_last.len(), questions);
    assert_eq!(report.ack.count, answers, "{summary}");
    assert_eq!(report.next_to_open.count, rooms * questions, "{summary}");
    assert_eq!(report.dropped_events + report.duplicate_events, 0);
    assert!(!report.guessing, "created rooms give the bots their keys");
    assert!(
        summary.contains("rooms: 4 (0 could not be created)"),
        "{summary}"
    );
}
