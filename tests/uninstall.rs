//! `jitsi-tokens uninstall` reverts exactly what install changed: the original bytes come back,
//! and edits the admin made after install survive.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::case::{Case, SECRET};
use common::*;

fn uninstall(case: &Case, extra: &[&str]) -> std::process::Output {
    let root = case.root_str();
    let mut args = vec!["uninstall", "--root", &root];
    args.extend_from_slice(extra);
    run(&args, "")
}

fn install_then_uninstall_restores(case: &Case) {
    let original = case.texts();
    let out = case.install(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(case.texts(), original);
    let out = uninstall(case, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains(SECRET));
    for (now, before) in case.texts().iter().zip(&original) {
        assert_eq!(now, before, "uninstall did not restore the original bytes");
    }
    assert!(!case.root.join("var/lib/jitsi-tokens/state.toml").exists());
    // Nothing left to do.
    let out = uninstall(case, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("nothing to uninstall"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn restores_our_stock_host() {
    install_then_uninstall_restores(&Case::stock("meet.example.org"));
}

#[test]
fn restores_every_fixture_of_ours() {
    for (dir, host) in [
        ("docker", "meet.jitsi"),
        ("secure-domain", "meet.example.org"),
        ("odd", "odd.example"),
    ] {
        install_then_uninstall_restores(&Case::copy_of(
            &fixtures().join("install").join(dir),
            host,
        ));
    }
}

#[test]
fn restores_the_upstream_fixtures() {
    let Some(shared) = shared_fixtures_or_note("restores_the_upstream_fixtures") else {
        return;
    };
    for dir in ["debian-default", "tokens-postinst", "outdated-jicofo-auth"] {
        install_then_uninstall_restores(&Case::copy_of(&shared.join(dir), "meet.example.org"));
    }
}

#[test]
fn restores_crlf_tabs_and_a_missing_final_newline() {
    let case = Case::stock("meet.example.org");
    for path in [case.prosody(), case.meet(), case.jicofo()] {
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace("    ", "\t").replace('\n', "\r\n");
        std::fs::write(&path, text.trim_end()).unwrap();
    }
    install_then_uninstall_restores(&case);
}

#[test]
fn after_a_rotation_the_original_comes_back() {
    let case = Case::stock("meet.example.org");
    let original = case.texts();
    assert_eq!(case.install(&[]).status.code(), Some(0));
    std::fs::write(
        case.dir.path().join("secret"),
        "a-rotated-secret-of-some-length\n",
    )
    .unwrap();
    let out = case.install(&[]);
    assert!(
        stdout(&out).contains("app_secret = **** (was ****)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(uninstall(&case, &[]).status.code(), Some(0));
    assert_eq!(case.texts(), original);
}

#[test]
fn edits_made_after_install_survive() {
    let case = Case::stock("meet.example.org");
    let original = case.texts();
    assert_eq!(case.install(&[]).status.code(), Some(0));
    let prosody = std::fs::read_to_string(case.prosody()).unwrap();
    let edited = format!("-- admin: reviewed 2026-11-30\n{prosody}")
        .replace("allow_empty_token = true", "allow_empty_token = false")
        .replace(
            "        \"muc_wait_for_host\";\n",
            "        \"muc_wait_for_host\";\n        \"admin_added_module\";\n",
        );
    std::fs::write(case.prosody(), &edited).unwrap();
    let out = uninstall(&case, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "kept: VirtualHost \"meet.example.org\": allow_empty_token (changed since install)"
        ),
        "{}",
        stdout(&out)
    );
    let now = std::fs::read_to_string(case.prosody()).unwrap();
    assert!(now.starts_with("-- admin: reviewed 2026-11-30\n"));
    assert!(now.contains("allow_empty_token = false"));
    assert!(now.contains("\"admin_added_module\";"));
    assert!(!now.contains("muc_wait_for_host"));
    assert!(now.contains("authentication = \"jitsi-anonymous\" -- do not delete me"));
    // Apart from the admin's three edits, the original is back.
    let expected = format!("-- admin: reviewed 2026-11-30\n{}", original[0]).replace(
        "        \"muc_rate_limit\";\n    }",
        "        \"muc_rate_limit\";\n        \"admin_added_module\";\n    }",
    );
    let expected = expected.replace(
        "    --app_secret=\"example_app_secret\"\n",
        "    --app_secret=\"example_app_secret\"\n    allow_empty_token = false\n",
    );
    assert_eq!(now, expected);
    assert_eq!(case.texts()[1], original[1]);
}

#[test]
fn dry_run_writes_nothing() {
    let case = Case::stock("meet.example.org");
    assert_eq!(case.install(&[]).status.code(), Some(0));
    let installed = case.texts();
    let out = uninstall(&case, &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("-    app_secret = \"****\""),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains(SECRET));
    assert_eq!(case.texts(), installed);
    assert!(case.root.join("var/lib/jitsi-tokens/state.toml").exists());
}

#[test]
fn the_state_file_is_private_and_holds_no_secret() {
    let case = Case::stock("meet.example.org");
    assert_eq!(case.install(&[]).status.code(), Some(0));
    let path = case.root.join("var/lib/jitsi-tokens/state.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains("kind = \"guest-host\""), "{text}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
}

#[test]
fn config_js_without_trailing_commas_comes_back_exactly() {
    for hosts in [
        "    hosts: {\n        domain: 'meet.example.org'\n    },\n",
        "    hosts: { domain: 'meet.example.org' },\n",
        "    hosts: {\n        muc: 'conference.meet.example.org',\n        domain: 'meet.example.org' // last\n    },\n",
    ] {
        let case = Case::stock("meet.example.org");
        std::fs::write(case.meet(), format!("var config = {{\n{hosts}}};\n")).unwrap();
        install_then_uninstall_restores(&case);
    }
}

/// Regression (issue 6, found by tests/fuzz.rs): install appended lines to a block that ends a
/// file without a final line break (putting the break before them); uninstall removed the lines
/// but left that break, so the file gained one.
#[test]
fn a_file_without_a_final_newline_ending_in_a_changed_block_comes_back_exactly() {
    let case = Case::stock("meet.example.org");
    let prosody = "VirtualHost \"meet.example.org\"\n    authentication = \"jitsi-anonymous\"\n\nComponent \"conference.meet.example.org\" \"muc\"\n    storage = \"memory\"";
    std::fs::write(case.prosody(), prosody).unwrap();
    install_then_uninstall_restores(&case);
}

/// Regression (issue 6, found by tests/fuzz.rs): the main VirtualHost last in a file without a
/// final line break, without modules_enabled. Install appends the list and the guest host there,
/// each after a line break of its own; uninstall failed with "internal error: planned edits
/// overlap" because both removals claimed the break between them.
#[test]
fn the_main_host_last_in_a_file_without_a_final_newline_comes_back_exactly() {
    let case = Case::stock("meet.example.org");
    let prosody = "Component \"conference.meet.example.org\" \"muc\"\n\nVirtualHost \"meet.example.org\"\n    authentication = \"anonymous\"";
    std::fs::write(case.prosody(), prosody).unwrap();
    install_then_uninstall_restores(&case);
}

/// Regression (issue 6, found by tests/fuzz.rs): `modules_enabled = { ...; x = "persistent_lobby" }`
/// holds the string in a named field, which Prosody's module list (the array part) ignores, so
/// install adds the module; uninstall took the named field for install's item and rewrote it.
#[test]
fn a_named_field_with_a_module_name_is_the_admins() {
    let case = Case::stock("meet.example.org");
    let text = std::fs::read_to_string(case.prosody()).unwrap();
    let text = text.replacen(
        "modules_enabled = {\n",
        "modules_enabled = {\n        note = \"persistent_lobby\";\n",
        1,
    );
    assert!(text.contains("note = \"persistent_lobby\""));
    std::fs::write(case.prosody(), text).unwrap();
    install_then_uninstall_restores(&case);
}
