use super::*;

/// A file that appears at the destination after the check is not replaced.
#[test]
fn a_file_that_appears_meanwhile_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let mut f = AtomicFile::create(&path, false).unwrap();
    f.writer().write_all(b"new").unwrap();
    fs::write(&path, "theirs").unwrap();
    let e = f.commit().unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
    assert!(
        e.to_string().contains("appeared while this command ran"),
        "{e}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "theirs");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );
    // With --force the replacement is what was asked for.
    let mut f = AtomicFile::create(&path, true).unwrap();
    f.writer().write_all(b"new").unwrap();
    f.commit().unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new");
}

#[test]
fn rename_noclobber_moves_into_a_free_name_only() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    fs::write(&a, "a").unwrap();
    rename_noclobber(&a, &b).unwrap();
    assert_eq!(fs::read_to_string(&b).unwrap(), "a");
    fs::write(&a, "a2").unwrap();
    assert!(rename_noclobber(&a, &b).is_err());
    assert_eq!(fs::read_to_string(&b).unwrap(), "a");
    // Directories: an existing one, even empty, is not replaced.
    let (d, e) = (dir.path().join("d"), dir.path().join("e"));
    fs::create_dir(&d).unwrap();
    fs::create_dir(&e).unwrap();
    assert!(rename_noclobber(&d, &e).is_err());
    fs::remove_dir(&e).unwrap();
    rename_noclobber(&d, &e).unwrap();
    assert!(e.is_dir() && !d.exists());
}

#[test]
fn atomic_file_refuses_overwrite_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    fs::write(&path, "old").unwrap();
    assert_eq!(AtomicFile::create(&path, false).unwrap_err().exit_code(), 2);
    let nowhere = dir.path().join("no/such/dir/out.jsonl");
    assert_eq!(
        AtomicFile::create(&nowhere, false).unwrap_err().exit_code(),
        2
    );

    // Dropped without commit: the old file stays whole and no temporary is left.
    {
        let mut f = AtomicFile::create(&path, true).unwrap();
        f.writer().write_all(b"half").unwrap();
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), "old");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

    let mut f = AtomicFile::create(&path, true).unwrap();
    f.writer().write_all(b"new").unwrap();
    f.commit().unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new");
}

/// Devices, FIFOs and folders are refused before a byte is read; a FIFO with no
/// writer does not make the open wait.
#[cfg(unix)]
#[test]
fn only_regular_files_are_read() {
    let e = read_small_text(Path::new("/dev/zero"), "a key").unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("is a device, not a key"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let e = read_small_text(dir.path(), "a key").unwrap_err();
    assert!(e.to_string().contains("is a directory, not a key"), "{e}");
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let e = read_small_text(&fifo, "a key").unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("FIFO"), "{e}");
    let through_a_file = dir.path().join("fifo/x");
    let e = read_small_text(&through_a_file, "a key").unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
}

/// A destination whose name is as long as names get still gets a temporary.
#[test]
fn names_near_the_limit_get_temporaries_within_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("é".repeat(127)); // 254 bytes
    let temporary = temporary_path(&path, "tmp").unwrap();
    assert!(temporary.file_name().unwrap().len() <= 255);
    let mut f = AtomicFile::create(&path, false).unwrap();
    f.writer().write_all(b"x").unwrap();
    f.commit().unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"x");
}

/// A dangling link counts as something there; --force never replaces a folder or a
/// FIFO; a temporary left by a dead process is removed by the next run.
#[cfg(unix)]
#[test]
fn what_force_may_replace() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
    for force in [false, true] {
        let e = AtomicFile::create(&link, force).unwrap_err();
        assert!(e.to_string().contains("is a symbolic link (to "), "{e}");
    }
    let to_stdout = dir.path().join("stdout");
    std::os::unix::fs::symlink("/dev/stdout", &to_stdout).unwrap();
    let e = AtomicFile::create(&to_stdout, true).unwrap_err();
    assert!(e.to_string().contains("/dev/stdout"), "{e}");
    assert_eq!(fs::read_link(&to_stdout).unwrap(), Path::new("/dev/stdout"));
    let e = AtomicFile::create(dir.path(), true).unwrap_err();
    assert!(e.to_string().contains("is a directory"), "{e}");
    let fifo = dir.path().join("fifo");
    std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    let e = AtomicFile::create(&fifo, true).unwrap_err();
    assert!(e.to_string().contains("FIFO"), "{e}");

    let out = dir.path().join("out.jsonl");
    // PID 2^22 + 1 is above Linux's largest PID: no such process.
    let stale = out.with_file_name(".out.jsonl.tmp-4194305");
    fs::write(&stale, "left by a killed run").unwrap();
    let f = AtomicFile::create(&out, false).unwrap();
    assert!(!stale.exists(), "a dead process's temporary is removed");
    drop(f);
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("capture.jsonl");
    fs::write(&input, "x").unwrap();
    let roundabout = dir.path().join(".").join("capture.jsonl");
    let e = refuse_output_among_inputs(&roundabout, "--out", [input.as_path()]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("also an input"), "{e}");
    refuse_output_among_inputs(&dir.path().join("new.jsonl"), "--out", [input.as_path()]).unwrap();
}

#[cfg(unix)]
#[test]
fn private_files_are_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.pem");
    write_new(&path, b"x", true).unwrap();
    let mode = fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(write_new(&path, b"y", true).is_err(), "must not overwrite");
}
