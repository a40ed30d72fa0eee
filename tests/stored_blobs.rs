//! Data already on disk keeps loading. `tests/fixtures/store-v0` is a
//! database written by the release before stored JSON carried a version
//! (8cdb52e; see its README). Today's code must read every attempt, answer
//! and live room in it exactly as that release wrote them, and go on writing
//! beside them.

use std::path::Path;
use std::sync::Arc;

use quizline::engine::{Attempt, Response, Verdict};
use quizline::live::RoomOptions;
use quizline::question::QuestionSet;
use quizline::store::blob;
use quizline::store::{AttemptStore, Recorded, Sqlite, SqliteAttempts};

const FULL: &str = "0123456789abcdef0123456789abcdef";
const RETRY: &str = "fedcba9876543210fedcba9876543210";

/// A copy of the fixture, so the test never changes it.
fn old_store() -> (tempfile::TempDir, Arc<Sqlite>) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v0/quizline.db");
    std::fs::copy(&fixture, dir.path().join("quizline.db")).unwrap();
    let db = Arc::new(Sqlite::open(dir.path()).unwrap());
    (dir, db)
}

fn moon() -> QuestionSet {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/web-all-kinds.ron");
    quizline::files::load_set(&path).unwrap().0
}

type Item = (
    &'static str,
    usize,
    &'static [usize],
    &'static [usize],
    Option<(&'static str, Response, Verdict, f64)>,
);

/// What the old release wrote: question, index, layout (options, right) and
/// the outcome (input, response, verdict, points).
fn written() -> Vec<(&'static str, Vec<Item>)> {
    use Response::*;
    use Verdict::*;
    vec![
        (
            FULL,
            vec![
                (
                    "moon-single",
                    0,
                    &[0, 1, 2, 3],
                    &[],
                    Some(("b", Choice(1), Correct, 1.0)),
                ),
                (
                    "moon-num",
                    3,
                    &[],
                    &[],
                    Some(("1234", Number(1234), Incorrect, 0.0)),
                ),
                (
                    "moon-match",
                    6,
                    &[0, 1, 2],
                    &[2, 0, 1],
                    Some(("a3 b1 c2", Pairs(vec![1, 2, 0]), Correct, 3.0)),
                ),
                (
                    "moon-cloze",
                    7,
                    &[],
                    &[],
                    Some(("nothing", Text("nothing".into()), Incorrect, 0.0)),
                ),
                (
                    "moon-tf",
                    2,
                    &[],
                    &[],
                    Some(("true", Bool(true), Correct, 1.0)),
                ),
                (
                    "moon-before",
                    5,
                    &[1, 0],
                    &[],
                    Some(("b", Choice(0), Incorrect, 0.0)),
                ),
                (
                    "moon-multi",
                    1,
                    &[1, 0, 2, 3],
                    &[],
                    Some(("b c", Choices(vec![0, 2]), Correct, 2.0)),
                ),
                (
                    "moon-order",
                    4,
                    &[3, 0, 2, 1],
                    &[],
                    Some(("c d a b", Order(vec![2, 1, 3, 0]), Partial, 1.67)),
                ),
            ],
        ),
        (
            RETRY,
            vec![
                (
                    "moon-before",
                    5,
                    &[0, 1],
                    &[],
                    Some(("b", Choice(1), Correct, 1.0)),
                ),
                ("moon-num", 3, &[], &[], None),
                ("moon-order", 4, &[3, 0, 2, 1], &[], None),
                ("moon-cloze", 7, &[], &[], None),
            ],
        ),
    ]
}

#[tokio::test]
async fn attempts_written_before_versioned_blobs_load_as_written() {
    let (_dir, db) = old_store();
    let store = SqliteAttempts::new(db);
    let set = moon();
    for (id, items) in written() {
        let stored = store.load_attempt(id).await.unwrap().expect(id);
        assert_eq!(stored.set_title, "The race to the Moon");
        assert_eq!(stored.browser, "b".repeat(32));
        assert!(stored.attempt.matches(&set), "{id} still fits its set");
        assert_eq!(stored.attempt.items.len(), items.len(), "{id}");
        for (n, (item, (question, index, options, right, outcome))) in
            stored.attempt.items.iter().zip(items).enumerate()
        {
            let at = format!("{id} item {n}");
            assert_eq!(
                (item.question_id.as_str(), item.index),
                (question, index),
                "{at}"
            );
            assert_eq!(
                (&item.layout.options[..], &item.layout.right[..]),
                (options, right),
                "{at}"
            );
            let got = item.outcome.as_ref().map(|o| {
                (
                    o.input.as_str(),
                    o.response.clone(),
                    o.grade.verdict,
                    o.grade.points,
                )
            });
            assert_eq!(got, outcome, "{at}");
            // What the person sees of an old answer still renders.
            assert_eq!(
                stored.attempt.feedback(&set, n).is_some(),
                outcome.is_some(),
                "{at}"
            );
        }
    }
    let full = store.load_attempt(FULL).await.unwrap().unwrap();
    assert_eq!(
        (full.started_ms, full.deadline_ms, full.max_score),
        (1_700_000_000_000, None, 12.0)
    );
    assert_eq!(
        full.attempt.items[7]
            .outcome
            .as_ref()
            .unwrap()
            .answered_at_ms,
        1_700_000_001_007
    );
    let retry = store.load_attempt(RETRY).await.unwrap().unwrap();
    assert_eq!(retry.retry_of.as_deref(), Some(FULL));
    assert_eq!(retry.deadline_ms, Some(1_700_000_700_000));
    assert_eq!(retry.attempt.current(), Some(1));

    let history = store.history(&"b".repeat(32), 10).await.unwrap();
    let lines: Vec<_> = history
        .iter()
        .map(|h| (h.id.as_str(), h.items, h.answered, h.correct, h.score))
        .collect();
    assert_eq!(lines, vec![(RETRY, 4, 1, 1, 1.0), (FULL, 8, 8, 4, 8.67)]);
}

/// New answers are written versioned, beside the old ones, and both read back.
#[tokio::test]
async fn an_old_attempt_goes_on_with_versioned_answers() {
    let (dir, db) = old_store();
    let store = SqliteAttempts::new(db);
    let set = moon();
    let mut attempt: Attempt = store.load_attempt(RETRY).await.unwrap().unwrap().attempt;
    let outcome = attempt
        .answer(&set, 1, "1969", 1_700_000_102_000)
        .unwrap()
        .clone();
    assert_eq!(outcome.grade.verdict, Verdict::Correct);
    assert_eq!(
        store.record_answer(RETRY, 1, &outcome).await.unwrap(),
        Recorded::Saved
    );
    drop(store);

    let raw = rusqlite::Connection::open(dir.path().join("quizline.db")).unwrap();
    let responses: Vec<String> = raw
        .prepare("SELECT response FROM answers WHERE attempt_id = ?1 ORDER BY item")
        .unwrap()
        .query_map([RETRY], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        responses,
        vec![
            r#"{"type":"choice","value":1}"#.to_string(),
            r#"{"version":1,"data":{"type":"number","value":1969}}"#.to_string(),
        ]
    );

    let fresh = SqliteAttempts::new(Arc::new(Sqlite::open(dir.path()).unwrap()));
    let loaded = fresh.load_attempt(RETRY).await.unwrap().unwrap();
    assert_eq!(loaded.attempt.items[1].outcome.as_ref(), Some(&outcome));
    assert_eq!(
        loaded.attempt.items[0].outcome.as_ref().unwrap().response,
        Response::Choice(1)
    );
}

/// The live room's JSON columns read with the same reader.
#[test]
fn live_room_blobs_written_before_versioning_decode() {
    let (dir, db) = old_store();
    drop(db);
    let raw = rusqlite::Connection::open(dir.path().join("quizline.db")).unwrap();
    let (options, attempt): (String, String) = raw
        .query_row(
            "SELECT options, attempt FROM live_rooms WHERE code = '123456'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let options: RoomOptions = blob::decode(&options).unwrap();
    assert_eq!(
        (options.seed, options.count, options.time_limit_s),
        (Some(5), None, Some(20))
    );
    let attempt: Attempt = blob::decode(&attempt).unwrap();
    let layouts: Vec<_> = attempt
        .items
        .iter()
        .map(|i| {
            (
                i.question_id.as_str(),
                i.layout.options.clone(),
                i.layout.right.clone(),
            )
        })
        .collect();
    assert_eq!(
        layouts,
        vec![
            ("moon-before", vec![1, 0], vec![]),
            ("moon-num", vec![], vec![]),
            ("moon-order", vec![2, 0, 3, 1], vec![]),
            ("moon-multi", vec![2, 1, 0, 3], vec![]),
            ("moon-cloze", vec![], vec![]),
            ("moon-single", vec![1, 3, 0, 2], vec![]),
            ("moon-tf", vec![], vec![]),
            ("moon-match", vec![2, 0, 1], vec![1, 2, 0]),
        ]
    );
    assert!(attempt.matches(&moon()));
    let (response, verdict): (String, String) = raw
        .query_row("SELECT response, verdict FROM live_answers", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        blob::decode::<Response>(&response).unwrap(),
        Response::Choice(1)
    );
    assert_eq!(verdict.parse::<Verdict>().unwrap(), Verdict::Correct);
}

/// The old room comes back through the server's own restore, and a room
/// made today is written versioned beside it.
#[tokio::test]
async fn live_rooms_restore_from_old_blobs_and_new_ones_carry_a_version() {
    let (dir, db) = old_store();
    let catalog = Arc::new(quizline::catalog::Catalog::from_sets([moon()]));
    let live = quizline::live::Live::restore(catalog, db, quizline::live::LiveConfig::default())
        .await
        .unwrap();
    let old = live.room("123456");
    assert!(
        old.is_some(),
        "the room written before versions is restored"
    );
    let created = live
        .create_room(&moon().id, RoomOptions::default(), None)
        .await
        .unwrap();
    drop(live);
    let raw = rusqlite::Connection::open(dir.path().join("quizline.db")).unwrap();
    let (options, attempt): (String, String) = raw
        .query_row(
            "SELECT options, attempt FROM live_rooms WHERE code = ?1",
            [&created.code],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    for (what, text) in [("options", &options), ("attempt", &attempt)] {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["version"], blob::VERSION, "{what}: {text:.80}");
    }
    let back: RoomOptions = blob::decode(&options).unwrap();
    assert_eq!(back.max_players, RoomOptions::default().max_players);
}
