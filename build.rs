//! Build script: tells the tests which outside programs this machine lacks, so that a test
//! that needs one shows as ignored, with its reason, instead of passing without running. Under
//! `CI=true` nothing is ignored: CI installs them (`.ci/run`), and a missing one fails its test.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(chromium_missing)");
    println!("cargo::rustc-check-cfg=cfg(systemd_analyze_missing)");
    println!("cargo::rustc-check-cfg=cfg(node_missing)");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-changed=build.rs");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let present = |paths: &[&str]| paths.iter().any(|p| Path::new(p).exists());
    for (cfg, paths) in [
        (
            "chromium_missing",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"][..],
        ),
        (
            "systemd_analyze_missing",
            &["/usr/bin/systemd-analyze", "/bin/systemd-analyze"][..],
        ),
        // Node.js runs the browser harness, tests/browser/audit.mjs.
        (
            "node_missing",
            &["/usr/bin/node", "/usr/local/bin/node"][..],
        ),
    ] {
        for path in paths {
            // Reruns when the program appears or goes (a missing path is watched too).
            if let Some(folder) = Path::new(path).parent() {
                println!("cargo::rerun-if-changed={}", folder.display());
            }
        }
        if !ci && !present(paths) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
