//! Restarts: prosody, jicofo, jitsi-videobridge2, in that order, once, only after a change, never
//! after a no-op or a failure. systemd cannot run here, so a recording stand-in takes
//! systemctl's place: in-process ([`Recorder`]) and as a real `systemctl` program on disk.

mod common;

use std::path::PathBuf;

use common::case::Case;
use jitsi_tokens::cli::{OutputFormat, TargetArgs};
use jitsi_tokens::settings::{Host, InstallSettings, SecretSource};
use jitsi_tokens::system::Env;
use jitsi_tokens::system::services::{self, Recorder};

fn settings(case: &Case) -> InstallSettings {
    InstallSettings {
        host: Host::resolve(&TargetArgs {
            root: case.root.clone(),
            hostname: None,
        })
        .unwrap(),
        app_id: Some("my-app".into()),
        secret: SecretSource::File(case.dir.path().join("secret")),
        allow_empty_token: true,
        interactive: false,
        dry_run: false,
        no_restart: false,
        format: OutputFormat::Human,
    }
}

fn install_with(case: &Case, recorder: &Recorder) -> Result<(), jitsi_tokens::Failure> {
    let (mut env, _out) = Env::captured(b"");
    env.services = Some(Box::new(recorder.clone()));
    jitsi_tokens::install::install(&settings(case), &mut env).map(|_| ())
}

#[test]
fn restarts_in_order_once_and_not_after_a_no_op() {
    let case = Case::stock("meet.example.org");
    let recorder = Recorder::default();
    install_with(&case, &recorder).unwrap();
    assert_eq!(
        *recorder.log.borrow(),
        ["prosody", "jicofo", "jitsi-videobridge2"]
    );
    install_with(&case, &recorder).unwrap();
    assert_eq!(recorder.log.borrow().len(), 3, "a no-op restarted services");
}

#[test]
fn nothing_restarts_when_writing_fails() {
    let case = Case::stock("meet.example.org");
    // A config.js that is not JavaScript: install refuses before writing anything.
    std::fs::write(case.meet(), "var config = {\n").unwrap();
    let recorder = Recorder::default();
    let err = install_with(&case, &recorder).unwrap_err();
    assert_eq!(err.code, 2);
    assert!(recorder.log.borrow().is_empty());
}

#[test]
fn a_failed_restart_rolls_back_and_restarts_on_the_old_files() {
    let case = Case::stock("meet.example.org");
    let before = case.texts();
    let recorder = Recorder {
        fail_on: Some("jicofo".into()),
        ..Recorder::default()
    };
    let err = install_with(&case, &recorder).unwrap_err();
    assert_eq!(err.code, 1);
    assert!(
        format!("{:#}", err.error).contains("restored"),
        "{:#}",
        err.error
    );
    assert_eq!(case.texts(), before, "files were not rolled back");
    assert!(
        !case.root.join("var/lib/jitsi-tokens/state.toml").exists(),
        "the state still records changes that were rolled back"
    );
    // prosody and the failing jicofo, then all three again on the restored files.
    assert_eq!(
        *recorder.log.borrow(),
        [
            "prosody",
            "jicofo",
            "prosody",
            "jicofo",
            "jitsi-videobridge2"
        ]
    );
}

/// The real code path: a `systemctl` program run as `systemctl restart UNIT`.
#[test]
fn a_recording_systemctl_program_sees_restart_unit_in_order() {
    let case = Case::stock("meet.example.org");
    let bin = case.dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = case.dir.path().join("systemctl.log");
    let script = bin.join("systemctl");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$*\" >> {}\n", log.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (mut env, _out) = Env::captured(b"");
    env.services = Some(services::systemctl_at(PathBuf::from(&script)));
    jitsi_tokens::install::install(&settings(&case), &mut env).unwrap();
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "restart prosody\nrestart jicofo\nrestart jitsi-videobridge2\n"
    );
}

#[test]
fn a_root_other_than_slash_never_restarts() {
    match services::detect(false, false, std::path::Path::new("/")) {
        services::Restarter::Skip(reason) => assert!(reason.contains("--root"), "{reason}"),
        services::Restarter::Run(_) => panic!("would restart the host's services"),
    }
    match services::detect(true, true, std::path::Path::new("/")) {
        services::Restarter::Skip(reason) => assert!(reason.contains("--no-restart")),
        services::Restarter::Run(_) => panic!("--no-restart restarted"),
    }
}
