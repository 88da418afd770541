//! Build script: tells the tests which outside programs (and the browser audit's modules) this
//! machine lacks, so that a test that needs one shows as ignored, with its reason, instead of
//! passing without running. Under `CI=true` nothing is ignored: CI installs them (`.ci/run`),
//! and a missing one fails its test.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(chromium_missing)");
    println!("cargo::rustc-check-cfg=cfg(systemd_analyze_missing)");
    println!("cargo::rustc-check-cfg=cfg(browser_audit_missing)");
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
    // The browser audit (tests/browser.rs) runs `node tests/browser/audit.mjs`, which needs
    // Node.js on the PATH and the modules `npm ci --prefix tests/browser` installs.
    println!("cargo::rerun-if-env-changed=PATH");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned());
    let browser = Path::new(&manifest).join("tests/browser");
    // The folder's own time changes when node_modules appears or goes.
    println!("cargo::rerun-if-changed={}", browser.display());
    let node = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("node").is_file()));
    let audit_ready = node && browser.join("node_modules").is_dir();
    if !ci && !audit_ready {
        println!("cargo::rustc-cfg=browser_audit_missing");
    }
}
