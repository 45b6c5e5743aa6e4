use super::*;

fn tiny_world(out: &Path, messages: u64, seed: u64) {
    let spec = WorldSpec {
        scheme: SchemeId::BASELINE,
        users: 2,
        messages,
        key_bits: 2048,
        session_size: 1,
        randomness: crate::crypto::random::Randomness::Seeded(seed),
        params: crate::world::SchemeParams::default(),
        snapshots: Vec::new(),
        plants: Default::default(),
    };
    simulate(&spec, out, true, &|_, _| {}).unwrap();
}

/// A reader holds the world it opened: a world put in its place meanwhile (as
/// `simulate --force` does) does not hand it the new capture; a world removed
/// meanwhile is reported as such.
#[test]
fn a_world_is_read_whole_even_if_replaced_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w");
    tiny_world(&out, 3, 1);
    let reader = WorldDir::open(&out).unwrap();
    fs::rename(&out, dir.path().join("aside")).unwrap();
    tiny_world(&out, 5, 2);
    let mut capture = reader.capture().unwrap();
    let mut n = 0;
    while capture.next_envelope().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 3, "the capture of the world that was opened");

    let reader = WorldDir::open(&out).unwrap();
    fs::remove_dir_all(&out).unwrap();
    let e = reader.capture().err().unwrap();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("replaced or removed"), "{e}");
}

/// A folder that appears at --out while a world is made is left whole, with or
/// without --force (which replaces worlds only).
#[test]
fn a_folder_that_appears_meanwhile_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w");
    for force in [false, true] {
        let staging = Staging::new(&out).unwrap();
        fs::write(staging.path.join(WORLD_JSON), "{}").unwrap();
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("thesis.tex"), "mine").unwrap();
        let e = staging.commit(&out, force).unwrap_err();
        assert_eq!(e.exit_code(), 2, "force {force}: {e}");
        assert!(e.to_string().contains("appeared while"), "{e}");
        assert_eq!(fs::read_to_string(out.join("thesis.tex")).unwrap(), "mine");
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "force {force}: the staging folder is gone");
    }
    // An empty folder the user made is fine: the world takes its place.
    fs::remove_dir_all(&out).unwrap();
    fs::create_dir(&out).unwrap();
    let staging = Staging::new(&out).unwrap();
    fs::write(staging.path.join(WORLD_JSON), "{}").unwrap();
    staging.commit(&out, false).unwrap();
    assert!(out.join(WORLD_JSON).is_file());
    // With --force, a world is replaced.
    let staging = Staging::new(&out).unwrap();
    fs::write(staging.path.join(WORLD_JSON), "{\"new\":1}").unwrap();
    staging.commit(&out, true).unwrap();
    assert!(fs::read_to_string(out.join(WORLD_JSON))
        .unwrap()
        .contains("new"));
}
