//! What `deploy/` gives an operator is what is tested: the systemd units pass `systemd-analyze
//! verify` (with the unit's binary path pointed at this build), and haproxy accepts its
//! configuration (the multi-server suite also runs it).

use std::process::Command;

fn deploy(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy").join(file)
}

#[test]
fn the_systemd_units_verify() {
    let dir = tempfile::tempdir().unwrap();
    let mut units = Vec::new();
    for name in ["qinglian.service", "qinglian-backup.service", "qinglian-backup.timer"] {
        let text = std::fs::read_to_string(deploy(name)).unwrap();
        let text = text.replace("/usr/local/bin/qinglian", env!("CARGO_BIN_EXE_qinglian"));
        std::fs::write(dir.path().join(name), text).unwrap();
        units.push(dir.path().join(name));
    }
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&units)
        .output()
        .expect("systemd-analyze must be installed: scripts/setup installs it");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}

#[test]
fn the_haproxy_configuration_is_valid() {
    let out = Command::new("haproxy")
        .args(["-c", "-f"])
        .arg(deploy("haproxy.cfg"))
        .envs([
            ("QINGLIAN_LB_BIND", "127.0.0.1:8000"),
            ("QINGLIAN_APP1", "127.0.0.1:8081"),
            ("QINGLIAN_APP2", "127.0.0.1:8082"),
            ("QINGLIAN_APP3", "127.0.0.1:8083"),
        ])
        .output()
        .expect("haproxy must be installed: scripts/setup installs it");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && !said.contains("WARNING"), "{said}");
}

#[test]
fn the_example_configuration_is_read() {
    let file = deploy("qinglian.toml.example");
    let config = qinglian::config::Config::resolve(qinglian::config::Overrides {
        config_file: Some(file),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(config.storage, qinglian::config::StorageKind::Database);
    assert!(config.trust_proxy && config.secure_cookies);
}
