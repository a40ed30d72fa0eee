//! Joining, tokens, sockets, kicks and who finished.

use super::*;

#[test]
fn kicks_leave_the_count_and_may_close_the_question() {
    let mut p = Play::new(options());
    let ann = p.join("Ann").unwrap();
    let bob = p.join("Bob").unwrap();
    let cy = p.join("Cy").unwrap();
    p.next().unwrap();
    p.answer(ann, 0, "a").unwrap();
    p.answer(bob, 0, "a").unwrap();
    // Removing someone who answered takes their answer out of the count.
    let fx = p.kick(bob).unwrap();
    assert_eq!(fx.events, [Event::Kick(bob)]);
    assert_eq!(fx.timer, None, "Cy has not answered");
    let progress = json(&p.g.progress());
    assert_eq!(
        (progress["answered"].clone(), progress["players"].clone()),
        (1.into(), 2.into())
    );
    assert_eq!(p.kick(bob).unwrap_err(), RoomError::NoSuchPlayer(bob));
    assert_eq!(p.kick(42).unwrap_err(), RoomError::NoSuchPlayer(42));
    // Removing the only one who had not answered closes it now.
    let fx = p.kick(cy).unwrap();
    assert_eq!(fx.timer.map(|t| t.at), Some(p.now));
    // A removed player cannot come back, and is not ranked.
    assert_eq!(
        p.g.authenticate(&format!("{bob}.Bob")).unwrap_err(),
        RoomError::Kicked
    );
    assert_eq!(p.g.attach(bob).unwrap_err(), RoomError::Kicked);
    p.change(Change::Reveal(0));
    let reveal = json(&p.g.player_snapshot(ann, p.now)[1]);
    assert_eq!(reveal["players"], 1);
    assert_eq!(reveal["answered"], 1);
    assert_eq!(json(&p.g.final_for(bob))["rank"], Value::Null);
    // Their nickname stays taken.
    assert_eq!(
        p.join("BOB").unwrap_err(),
        RoomError::NicknameTaken("BOB".into())
    );
}

#[test]
fn late_joins_follow_the_option_and_the_size_counts_joins_in_flight() {
    let mut open = Play::new(RoomOptions {
        max_players: 2,
        ..options()
    });
    open.join("Ann").unwrap();
    open.next().unwrap();
    // A join being written is not a player yet, but takes a place.
    let reserved = open.g.reserve("Bob", "bob", [1; 32]).unwrap();
    assert_eq!(open.g.player_count(), 1);
    let host = open.g.host_snapshot(open.now);
    let list = json(&host.msgs[1]);
    assert_eq!(list["count"], 1);
    assert_eq!(
        list["added"].as_array().unwrap().len(),
        1,
        "a reset lists whom it counts"
    );
    assert_eq!(open.join("Cy").unwrap_err(), RoomError::Full(2));
    open.g.joined(reserved);
    assert_eq!(open.g.player_count(), 2);
    // The late joiner lands on the open question and may answer it.
    let snap = open.g.player_snapshot(reserved, open.now);
    assert_eq!(json(&snap[1])["answered"], false);
    assert!(open.answer(reserved, 0, "a").is_ok());

    let mut locked = Play::new(RoomOptions {
        late_join: false,
        ..options()
    });
    locked.join("Ann").unwrap();
    locked.next().unwrap();
    assert_eq!(locked.join("Bob").unwrap_err(), RoomError::Locked);
    while !locked.g.is_ended() {
        locked.next().unwrap();
    }
    assert_eq!(locked.join("Bob").unwrap_err(), RoomError::Ended);
}

#[test]
fn a_failed_join_frees_the_name_but_not_the_id() {
    let mut p = Play::new(options());
    let id = p.g.reserve("Ann", "ann", [1; 32]).unwrap();
    assert_eq!(
        p.g.reserve("ANN", "ann", [2; 32]).unwrap_err(),
        RoomError::NicknameTaken("ANN".into())
    );
    p.g.join_failed(id, "ann");
    assert_eq!(p.g.player_count(), 0);
    assert_eq!(p.g.reserve("Ann", "ann", [3; 32]).unwrap(), id + 1);
}

#[test]
fn a_second_socket_replaces_the_first() {
    let mut p = Play::new(options());
    let ann = p.join("Ann").unwrap();
    let (first, none) = p.g.attach(ann).unwrap();
    assert_eq!(none, None);
    let (second, replaced) = p.g.attach(ann).unwrap();
    assert_eq!(replaced, Some(first));
    assert_eq!(p.g.connected(), 1, "players, not sockets");
    assert!(
        !p.g.detach(ann, first),
        "the replaced socket changes nothing"
    );
    assert_eq!(p.g.connected(), 1);
    assert!(p.g.detach(ann, second));
    assert_eq!(p.g.connected(), 0);
}

#[test]
fn those_connected_at_the_end_finished() {
    let mut p = Play::new(options());
    let ann = p.join("Ann").unwrap();
    let bob = p.join("Bob").unwrap();
    let cy = p.join("Cy").unwrap();
    p.g.attach(ann).unwrap();
    p.g.attach(cy).unwrap();
    p.kick(cy).unwrap();
    p.next().unwrap();
    let stored = p.g.row(Change::End, p.now);
    assert_eq!(
        stored.finished,
        Some(vec![ann]),
        "not Bob, who left, nor Cy, removed"
    );
    assert_eq!(stored.row.phase, "ended");
    assert_eq!(stored.row.ended_at_ms, Some(p.now));
    let _ = bob;
}

#[test]
fn tokens_are_checked_against_the_stored_hash() {
    let mut p = Play::new(options());
    let id = p.g.reserve("Ann", "ann", sha256("secret")).unwrap();
    assert_eq!(
        p.g.authenticate(&format!("{id}.secret")).unwrap_err(),
        RoomError::BadToken,
        "not stored yet"
    );
    p.g.joined(id);
    assert_eq!(p.g.authenticate(&format!("{id}.secret")), Ok(id));
    for bad in ["", "x", "0", "0.", "1.secret", "0.other", "-1.secret"] {
        assert_eq!(
            p.g.authenticate(bad).unwrap_err(),
            RoomError::BadToken,
            "{bad:?}"
        );
    }
}
