use std::time::Duration;

use super::*;
use crate::crypto::rsa_oaep::PrivateKey;
use crate::wire::b64;

fn key(name: &str) -> PublicKey {
    let text = match name {
        "alice" => include_str!("../../../demos/keys/alice.pem"),
        "bob" => include_str!("../../../demos/keys/bob.pem"),
        _ => include_str!("../../../demos/keys/escrow.pem"),
    };
    PrivateKey::from_pem(text).unwrap().public_key().clone()
}

/// A class of alice and bob under golden-key; the server cannot open wraps, so
/// wraps of the right length are all its checks can see.
fn class() -> ClassState {
    let mut state = ClassState::new(
        SchemeId::GoldenKey,
        Some(key("escrow")),
        token_digest("teacher"),
    );
    state.add_student("alice".into(), key("alice"), Some(token_digest("ta")));
    state.add_student("bob".into(), key("bob"), Some(token_digest("tb")));
    state
}

fn envelope(id: &str) -> serde_json::Map<String, serde_json::Value> {
    let wrap = b64(&[1u8; 256]);
    match serde_json::json!({
        "v": 1, "id": id, "from": "alice", "to": ["bob"], "scheme": "golden-key",
        "nonce": b64(&[0u8; 12]), "ct": b64(&[0u8; 20]),
        "wrapped": { "alice": wrap, "bob": wrap }, "escrow": wrap,
    }) {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    }
}

#[test]
fn ten_a_second_then_one_per_tenth_of_a_second() {
    let mut state = class();
    let now = Instant::now();
    for i in 0..10 {
        state
            .check_send("alice", envelope(&format!("m{i}")), now)
            .unwrap();
    }
    let refused = state.check_send("alice", envelope("m10"), now).unwrap_err();
    assert_eq!((refused.status, refused.kind), (429, "rate-limit-send"));
    let later = now + Duration::from_millis(101);
    assert!(state.check_send("alice", envelope("m11"), later).is_ok());
    assert!(state.check_send("alice", envelope("m12"), later).is_err());
    assert_eq!(state.refusals["rate-limit-send"], 2);
}

#[test]
fn ids_and_clock_are_handed_out_once() {
    let mut state = class();
    let now = Instant::now();
    let first = state.check_send("alice", envelope("a"), now).unwrap();
    let second = state.check_send("alice", envelope("b"), now).unwrap();
    assert_eq!((first.t, second.t), (1, 2));
    let again = state.check_send("alice", envelope("a"), now).unwrap_err();
    assert_eq!(again.status, 409);
    state.release(&first);
    assert!(state.check_send("alice", envelope("a"), now).is_ok());
}

#[test]
fn a_full_class_refuses_more() {
    let mut state = class();
    state.capture_bytes = MAX_CAPTURE_BYTES - 100;
    let refused = state
        .check_send("alice", envelope("x"), Instant::now())
        .unwrap_err();
    assert_eq!((refused.status, refused.kind), (409, "class-full"));
}

#[test]
fn joins_are_limited_per_address_not_overall() {
    let mut state = class();
    let now = Instant::now();
    let (one, two): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
    for _ in 0..JOIN_BURST as usize {
        let e = state.check_join("Bad", "", None, one, now).unwrap_err();
        assert_eq!(e.kind, "bad-name");
    }
    assert_eq!(
        state
            .check_join("Bad", "", None, one, now)
            .unwrap_err()
            .status,
        429
    );
    assert_eq!(
        state
            .check_join("Bad", "", None, two, now)
            .unwrap_err()
            .kind,
        "bad-name"
    );
    // One more a tenth of a minute later, and no sooner.
    let almost = now + Duration::from_millis(5900);
    assert_eq!(
        state
            .check_join("Bad", "", None, one, almost)
            .unwrap_err()
            .status,
        429
    );
    let later = now + Duration::from_millis(6001);
    assert_eq!(
        state
            .check_join("Bad", "", None, one, later)
            .unwrap_err()
            .kind,
        "bad-name"
    );
}

#[test]
fn a_join_code_is_asked_for_once_set_and_compared_without_case() {
    let mut state = class();
    let now = Instant::now();
    let here: IpAddr = "10.0.0.3".parse().unwrap();
    // No code set: a client that knows nothing of codes joins as before.
    assert_eq!(
        state
            .check_join("Bad", "", None, here, now)
            .unwrap_err()
            .kind,
        "bad-name"
    );
    state.require_join_code(Some("Owl-42".into()));
    let e = state.check_join("Bad", "", None, here, now).unwrap_err();
    assert_eq!((e.status, e.kind), (403, "join-code"));
    let e = state
        .check_join("Bad", "", Some("owl-41"), here, now)
        .unwrap_err();
    assert_eq!((e.status, e.kind), (403, "join-code"));
    let e = state
        .check_join("Bad", "", Some(" owl-42 "), here, now)
        .unwrap_err();
    assert_eq!(e.kind, "bad-name");
}

#[test]
fn a_rename_shows_a_new_name_that_no_one_else_can_take() {
    let mut state = class();
    let here: IpAddr = "10.0.0.4".parse().unwrap();
    assert_eq!(state.check_rename("nobody", "x").unwrap_err().status, 404);
    assert_eq!(
        state.check_rename("alice", "Bad Name").unwrap_err().status,
        422
    );
    assert_eq!(
        state.check_rename("alice", "escrow").unwrap_err().status,
        422
    );
    assert_eq!(
        state.check_rename("alice", "bob").unwrap_err().kind,
        "name-taken"
    );
    state.check_rename("alice", "student-1").unwrap();
    state.rename_student("alice", "student-1");
    assert_eq!(state.shown_name("alice"), "student-1");
    assert_eq!(state.matrix().users, ["student-1", "bob"]);
    assert_eq!(
        state.check_rename("bob", "student-1").unwrap_err().status,
        409
    );
    let e = state
        .check_join("student-1", "", None, here, Instant::now())
        .unwrap_err();
    assert_eq!((e.status, e.kind), (409, "name-taken"));
    // Back to the name joined as: the alias goes.
    state.check_rename("alice", "alice").unwrap();
    state.rename_student("alice", "alice");
    assert!(state.renamed.is_empty());
    assert_eq!(state.shown_name("alice"), "alice");
}

#[test]
fn the_teacher_session_is_neither_the_token_nor_a_guess() {
    let state = class();
    let session = state.teacher_session();
    assert_eq!(session.len(), 64);
    assert!(state.is_teacher_session(&session));
    assert!(!state.is_teacher_session("teacher"));
    assert!(!state.is_teacher_session(&session[..63]));
    assert!(!state.is_teacher_session(""));
}

#[test]
fn tokens_find_their_student_and_the_teacher_token_only_the_teacher() {
    let mut state = class();
    assert_eq!(state.student_for(Some("tb")).unwrap(), "bob");
    assert_eq!(state.student_for(Some("tx")).unwrap_err().status, 401);
    assert_eq!(state.student_for(None).unwrap_err().kind, "no-token");
    assert!(state.check_teacher(Some("teacher")).is_ok());
    assert!(state.check_teacher(Some("ta")).is_err());
    assert!(state.check_teacher(None).is_err());
}

#[test]
fn the_matrix_counts_wraps_and_the_leak() {
    let mut state = class();
    let mut sent = state
        .check_send("alice", envelope("a"), Instant::now())
        .unwrap();
    sent.t = 1;
    state.commit_sends(&[sent]);
    let matrix = state.matrix();
    let row = |name: &str| {
        matrix
            .rows
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .cells
            .clone()
    };
    assert_eq!(row("bob")[0].readable, 1);
    assert_eq!(row("escrow")[1].readable, 1);
    assert_eq!(row(LEAK_ROW)[0].readable, 0);
    state.leaked = true;
    let matrix = state.matrix();
    assert_eq!(matrix.rows.last().unwrap().cells[1].readable, 1);
}
