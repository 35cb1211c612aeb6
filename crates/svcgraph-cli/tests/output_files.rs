//! Output files: their mode follows the umask (or the file replaced), and a signal during a
//! write leaves no temporary file behind. Modes, umasks and signals are Unix's.
#![cfg(unix)]

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

fn svcgraph_path() -> &'static str {
    env!("CARGO_BIN_EXE_svcgraph")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Runs `svcgraph ARGS` under `umask MASK` in a shell.
fn run_with_umask(mask: &str, dir: &Path, args: &str) {
    let out = Command::new("sh")
        .current_dir(dir)
        .args([
            "-c",
            &format!("umask {mask} && exec \"$0\" {args}"),
            svcgraph_path(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn new_files_follow_the_umask_and_replaced_files_keep_their_mode() {
    let dir = tempfile::tempdir().unwrap();
    for (mask, expected, name) in [
        ("077", 0o600, "private.svg"),
        ("022", 0o644, "shared.svg"),
        ("002", 0o664, "group.svg"),
    ] {
        run_with_umask(mask, dir.path(), &format!("render --demo -q -o {name}"));
        assert_eq!(mode(&dir.path().join(name)), expected, "umask {mask}");
    }
    let kept = dir.path().join("kept.svg");
    std::fs::write(&kept, "old").unwrap();
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
    run_with_umask("077", dir.path(), "render --demo -q -o kept.svg");
    assert_eq!(mode(&kept), 0o640);
    assert!(std::fs::read_to_string(&kept).unwrap().starts_with("<svg"));
}

/// A Prometheus answer with `series` edges: a 20 MB graph document when written as JSON.
fn big_response(series: usize) -> String {
    let services = series / 10;
    let mut out = String::from(r#"{"status":"success","data":{"resultType":"vector","result":["#);
    for i in 0..series {
        if i > 0 {
            out.push(',');
        }
        let c = i % services;
        let s = (c + 1 + i / services) % services;
        let _ = write!(
            out,
            r#"{{"metric":{{"client":"service-{c:06}","server":"service-{s:06}"}},"value":[1795539600,"{}.5"]}}"#,
            1 + i % 500
        );
    }
    out.push_str("]}}");
    out
}

fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".svcgraph-"))
        .collect()
}

#[test]
fn a_signal_during_a_write_removes_the_temporary_file_and_keeps_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.json");
    std::fs::write(&input, big_response(100_000)).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("graph.json");

    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        std::fs::write(&target, "precious").unwrap();
        let mut caught = false;
        // The signal must land while the temporary file exists; a run that finishes before
        // the signal is sent proves nothing, so try again (a few times at most).
        for _ in 0..8 {
            let mut child = Command::new(svcgraph_path())
                .args([
                    "render",
                    "--schema",
                    "servicegraph",
                    "-f",
                    "json",
                    "-q",
                    "-i",
                ])
                .arg(&input)
                .arg("-o")
                .arg(&target)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // Poll until the temporary file shows up or the run ends, whichever comes first.
            let mut signalled = false;
            while child.try_wait().unwrap().is_none() {
                if !temporary_files(&out_dir).is_empty() {
                    let sent = Command::new("kill")
                        .args([format!("-{signal}"), child.id().to_string()])
                        .status()
                        .unwrap();
                    assert!(sent.success());
                    signalled = true;
                    break;
                }
            }
            let status = child.wait().unwrap();
            if signalled && status.code() == Some(code) {
                let now = std::fs::read(&target).unwrap();
                if now == b"precious" {
                    caught = true;
                    break;
                }
                // The signal landed after the finished file was renamed into place: the
                // output is whole (never a part of it), and this try proves nothing.
                assert!(
                    serde_json::from_slice::<serde_json::Value>(&now).is_ok(),
                    "SIG{signal} left a partial output"
                );
            } else {
                // Finished before the signal: this try proves nothing either.
                assert!(status.success(), "{status:?}");
            }
            std::fs::write(&target, "precious").unwrap();
        }
        assert!(caught, "SIG{signal} never arrived during a write");
        assert_eq!(
            temporary_files(&out_dir),
            Vec::<String>::new(),
            "SIG{signal}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    }
}

/// `svcgraph render --demo -q -o TARGET` in `dir`.
fn render_demo_to(dir: &Path, target: &str) -> std::process::Output {
    Command::new(svcgraph_path())
        .current_dir(dir)
        .args(["render", "--demo", "-q", "-o", target])
        .output()
        .unwrap()
}

#[test]
fn links_are_followed_and_fifos_and_devices_written_in_place() {
    use std::os::unix::fs::{FileTypeExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = Command::new(svcgraph_path())
        .args(["render", "--demo", "-q"])
        .output()
        .unwrap()
        .stdout;
    let is_link = |p: &Path| {
        std::fs::symlink_metadata(p)
            .unwrap()
            .file_type()
            .is_symlink()
    };

    // A link to a file: the file gets the drawing, the link stays a link.
    std::fs::write(d.join("real.svg"), "old").unwrap();
    symlink("real.svg", d.join("link.svg")).unwrap();
    assert!(render_demo_to(d, "link.svg").status.success());
    assert_eq!(std::fs::read(d.join("real.svg")).unwrap(), demo);
    assert!(is_link(&d.join("link.svg")));

    // A link to nothing yet: the file is made where it points.
    std::fs::create_dir(d.join("sub")).unwrap();
    symlink("sub/new.svg", d.join("dangling.svg")).unwrap();
    assert!(render_demo_to(d, "dangling.svg").status.success());
    assert_eq!(std::fs::read(d.join("sub/new.svg")).unwrap(), demo);
    assert!(is_link(&d.join("dangling.svg")));

    // A FIFO: its reader gets the drawing, and it stays a FIFO.
    let fifo = d.join("pipe.svg");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    assert!(render_demo_to(d, "pipe.svg").status.success());
    assert_eq!(reader.join().unwrap(), demo);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );

    // Devices are written, never replaced; a full one (Linux has one) is an error.
    assert!(render_demo_to(d, "/dev/null").status.success());
    let mut devices = vec!["/dev/null"];
    if Path::new("/dev/full").exists() {
        let full = render_demo_to(d, "/dev/full");
        assert_eq!(full.status.code(), Some(1));
        let message = String::from_utf8_lossy(&full.stderr);
        assert!(message.contains("cannot write /dev/full"), "{message}");
        devices.push("/dev/full");
    }
    for device in devices {
        let kind = std::fs::symlink_metadata(device).unwrap().file_type();
        assert!(kind.is_char_device(), "{device} is no longer a device");
    }
    assert_eq!(temporary_files(d), Vec::<String>::new());
    assert_eq!(temporary_files(Path::new("/dev")), Vec::<String>::new());

    // A loop of links and a directory: errors, and nothing changed.
    symlink("loop-b", d.join("loop-a")).unwrap();
    symlink("loop-a", d.join("loop-b")).unwrap();
    assert_eq!(render_demo_to(d, "loop-a").status.code(), Some(1));
    assert!(is_link(&d.join("loop-a")));
    assert_eq!(render_demo_to(d, "sub").status.code(), Some(1));
    assert!(d.join("sub").is_dir());
}
