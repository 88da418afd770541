//! The dashboard (`serve`) as a child process on a free loopback port, with plain HTTP requests
//! to it; stopped when dropped.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::Workspace;
use super::peers::wait_until;

/// The dashboard as a child process on a free loopback port; stopped when dropped.
pub struct Dashboard {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
}

impl Dashboard {
    pub fn start(ws: &Workspace) -> Dashboard {
        // The server picks its own port and says which: a port chosen here and freed before
        // the server binds it could be taken meanwhile by another test's server.
        let mut child = Command::new(env!("CARGO_BIN_EXE_advisory-watch"))
            .arg("--config")
            .arg(ws.config_path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve");
        let mut line = String::new();
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        std::io::BufRead::read_line(&mut stdout, &mut line)
            .expect("the dashboard says where it listens");
        // Whatever else it prints is read, so that it never writes into a closed pipe; the
        // thread ends when the server does.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        assert!(wait_until(Duration::from_secs(10), || {
            TcpStream::connect(&address).is_ok()
        }));
        Dashboard { child, address }
    }

    pub fn request(&self, method: &str, path: &str) -> (u16, String, String) {
        super::http_request(&self.address, method, path)
    }

    pub fn get(&self, path: &str) -> String {
        let (status, head, body) = self.request("GET", path);
        assert_eq!(status, 200, "GET {path}: {body}");
        assert!(
            head.to_lowercase()
                .contains("content-security-policy: default-src 'none'"),
            "GET {path}: every answer carries the CSP"
        );
        body
    }

    pub fn json(&self, path: &str) -> Value {
        serde_json::from_str(&self.get(path)).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
