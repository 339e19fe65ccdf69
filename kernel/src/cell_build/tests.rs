use super::*;

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("huntrs-cell-build-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn record_linking(dependency: &Path, built_at: u64) -> Record {
    Record {
        key: String::from("k"),
        built_at,
        program: PathBuf::from("/bin/true"),
        rustc: PathBuf::from("rustc"),
        args: vec![
            String::from("--crate-name"),
            String::from(CELL_CRATE),
            String::from("--extern"),
            format!("dep={}", dependency.display()),
        ],
        env_added: Vec::new(),
        env_removed: Vec::new(),
        cwd: PathBuf::from("/"),
    }
}

#[test]
fn only_mold_run_cargo_build_is_a_cell_build() {
    let args = os(&[
        "-run",
        "/usr/bin/cargo",
        "--offline",
        "build",
        "--target",
        "x",
    ]);
    let (program, rest) = run_target(&args).expect("a -run command");
    assert_eq!(program, "/usr/bin/cargo");
    assert!(is_cargo_build(rest));
    let metadata = os(&["-run", "cargo", "metadata", "--format-version", "1"]);
    assert!(!is_cargo_build(run_target(&metadata).expect("-run").1));
    assert!(run_target(&os(&["--version"])).is_none());
    assert!(run_target(&os(&["-run"])).is_none());
}

#[test]
fn the_key_changes_with_the_manifest_arguments_and_lock_file() {
    let dir = scratch("key");
    let args = os(&["-run", "cargo", "build"]);
    let absent = build_key(&dir, &args);
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"ctx\"\n").expect("write");
    let with_manifest = build_key(&dir, &args);
    assert_ne!(absent, with_manifest);
    assert_eq!(
        with_manifest,
        build_key(&dir, &args),
        "same inputs, same key"
    );
    assert_ne!(
        with_manifest,
        build_key(&dir, &os(&["-run", "cargo", "build", "-v"]))
    );
    let before_lock = with_lock_file(&with_manifest, &dir);
    std::fs::write(dir.join("Cargo.lock"), "version = 4\n").expect("write");
    assert_eq!(
        with_manifest,
        build_key(&dir, &args),
        "the lock file comes later"
    );
    let with_lock = with_lock_file(&with_manifest, &dir);
    assert_ne!(before_lock, with_lock);
    // The cell's source is what changes every cell: it is not part of the key.
    std::fs::create_dir_all(dir.join("src")).expect("src");
    std::fs::write(dir.join("src/lib.rs"), "fn main() {}").expect("write");
    assert_eq!(with_lock, with_lock_file(&build_key(&dir, &args), &dir));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_dependency_newer_than_the_record_or_gone_means_cargo_runs() {
    let dir = scratch("deps");
    let dependency = dir.join("libdep-1.rlib");
    std::fs::write(&dependency, b"rlib").expect("write");
    let built = nanos_since_epoch(SystemTime::now()) + 1_000_000_000;
    assert!(record_linking(&dependency, built).dependencies_unchanged());
    assert!(
        !record_linking(&dependency, 1).dependencies_unchanged(),
        "rebuilt after the record"
    );
    assert!(!record_linking(&dir.join("gone.rlib"), built).dependencies_unchanged());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_record_is_used_only_for_its_own_key() {
    let dir = scratch("load");
    let dependency = dir.join("libdep-1.rlib");
    std::fs::write(&dependency, b"rlib").expect("write");
    let built = nanos_since_epoch(SystemTime::now()) + 1_000_000_000;
    record_linking(&dependency, built).save(&dir.join(RECORD_FILE));
    assert!(Record::load_fresh(&dir, "k").is_some());
    assert!(Record::load_fresh(&dir, "other").is_none());
    std::fs::write(dir.join(RECORD_FILE), b"{not json").expect("write");
    assert!(
        Record::load_fresh(&dir, "k").is_none(),
        "a torn record is ignored"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rustc_diagnostics_become_cargo_messages() {
    let mut out = Vec::new();
    let diagnostic = r#"{"$message_type":"diagnostic","message":"cannot find value `x`","level":"error","spans":[],"children":[],"rendered":"error"}"#;
    forward_rustc_line(diagnostic, &mut out);
    forward_rustc_line(
        r#"{"$message_type":"artifact","artifact":"a.rmeta","emit":"metadata"}"#,
        &mut out,
    );
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "artifact notices are not passed on: {text}");
    let message: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
    assert_eq!(message["reason"], "compiler-message");
    assert_eq!(message["message"]["message"], "cannot find value `x`");
}

#[test]
fn only_what_cargo_changed_in_the_environment_is_recorded() {
    let shim = [
        ("PATH", "/usr/bin"),
        ("VT_API_KEY", "secret-key-value"),
        ("GONE", "x"),
        ("LD_LIBRARY_PATH", "/a"),
    ];
    let wrapper = [
        ("PATH", "/usr/bin"),
        ("VT_API_KEY", "secret-key-value"),
        ("LD_LIBRARY_PATH", "/deps:/a"),
        ("CARGO_CRATE_NAME", "ctx"),
        ("CARGO_MAKEFLAGS", "--jobserver-fds=3,4"),
        (KEY_ENV, "k"),
    ];
    let pairs = |vars: &[(&str, &str)]| -> Vec<(OsString, OsString)> {
        vars.iter()
            .map(|(n, v)| (OsString::from(n), OsString::from(v)))
            .collect()
    };
    let digest = environment_digest(pairs(&shim).into_iter());
    assert!(
        !digest.contains("secret-key-value"),
        "values are digested: {digest}"
    );
    let (added, removed) = environment_changes(&digest, pairs(&wrapper).into_iter());
    let mut added = added.expect("all UTF-8");
    added.sort();
    assert_eq!(
        added,
        [
            (String::from("CARGO_CRATE_NAME"), String::from("ctx")),
            (String::from("LD_LIBRARY_PATH"), String::from("/deps:/a")),
        ]
    );
    assert_eq!(removed, [String::from("GONE")]);
}
