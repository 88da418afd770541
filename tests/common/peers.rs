//! Real peers for notification tests: a webhook receiver that checks signatures, an SMTP
//! server (aiosmtpd from PyPI, installed into a virtual environment under `target/` on first use), and the daemon as a child process.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Polls `condition` every 50 ms until it holds or `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    condition()
}

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub delivery_id: String,
    pub signature_valid: bool,
    pub body: serde_json::Value,
    pub status_answered: u16,
}

/// An HTTP receiver on 127.0.0.1 that checks `X-Advisory-Signature` against a secret and
/// records every POST. It answers the status set with `set_status` (200 at first), or the one
/// set with `set_status_for` for events about that source, after `set_delay`.
pub struct WebhookReceiver {
    pub address: String,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    by_source: Arc<Mutex<HashMap<String, u16>>>,
    delay_ms: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl WebhookReceiver {
    pub fn start(secret: &str) -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("addr").to_string();
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(200));
        let by_source: Arc<Mutex<HashMap<String, u16>>> = Arc::default();
        let delay_ms = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let secret = secret.to_owned();
        let thread = {
            let (received, status, by_source, delay_ms, stop) = (
                Arc::clone(&received),
                Arc::clone(&status),
                Arc::clone(&by_source),
                Arc::clone(&delay_ms),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (received, status, by_source, delay_ms, secret) = (
                        Arc::clone(&received),
                        Arc::clone(&status),
                        Arc::clone(&by_source),
                        Arc::clone(&delay_ms),
                        secret.clone(),
                    );
                    std::thread::spawn(move || {
                        let answers = Answers {
                            status: &status,
                            by_source: &by_source,
                            delay_ms: &delay_ms,
                        };
                        handle(stream, &secret, &received, answers);
                    });
                }
            })
        };
        WebhookReceiver {
            address,
            received,
            status,
            by_source,
            delay_ms,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.address)
    }

    pub fn set_status(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// Answers `status` to events about `source` (the body's `source`), whatever `set_status`
    /// says; 0 removes the exception.
    pub fn set_status_for(&self, source: &str, status: u16) {
        let mut by_source = self.by_source.lock().expect("by_source");
        if status == 0 {
            by_source.remove(source);
        } else {
            by_source.insert(source.to_owned(), status);
        }
    }

    pub fn set_delay(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Every POST received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("received").clone()
    }

    /// The POSTs that were answered 2xx.
    pub fn accepted(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| (200..300).contains(&r.status_answered))
            .collect()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the receiver answers.
struct Answers<'a> {
    status: &'a AtomicU16,
    by_source: &'a Mutex<HashMap<String, u16>>,
    delay_ms: &'a AtomicU64,
}

fn handle(stream: TcpStream, secret: &str, received: &Mutex<Vec<Received>>, answers: Answers<'_>) {
    let Answers {
        status,
        by_source,
        delay_ms,
    } = answers;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header == "\r\n" || header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let delay = delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        std::thread::sleep(Duration::from_millis(delay));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(&body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let signature_valid =
        headers.get("x-advisory-signature") == Some(&format!("sha256={expected}"));
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    let answer = body["source"]
        .as_str()
        .and_then(|source| by_source.lock().expect("by_source").get(source).copied())
        .unwrap_or_else(|| status.load(Ordering::SeqCst));
    received.lock().expect("received").push(Received {
        delivery_id: headers
            .get("x-advisory-delivery")
            .cloned()
            .unwrap_or_default(),
        signature_valid,
        body,
        status_answered: answer,
    });
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {answer} Status\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    );
}

/// A Python that can `import aiosmtpd`: the virtual environment `target/python-venv`, made and
/// filled from PyPI on first use (CI makes it beforehand, in `.ci/run`). A virtual environment,
/// because a stock Debian Python refuses `pip install` outside one (externally managed).
fn aiosmtpd_python() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("python-venv");
    let python = venv.join("bin").join("python3");
    let importable = || {
        Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if importable() {
        return python;
    }
    static INSTALL: Mutex<()> = Mutex::new(());
    let _guard = INSTALL.lock().expect("install lock");
    if !importable() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 runs");
        assert!(
            made.success(),
            "the SMTP tests need a Python virtual environment; `python3 -m venv {}` failed (on Debian: apt-get install python3-venv)",
            venv.display()
        );
        let status = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "aiosmtpd",
            ])
            .status()
            .expect("the virtual environment's python runs");
        assert!(
            status.success() && importable(),
            "the SMTP tests need aiosmtpd; `pip install aiosmtpd` into {} failed",
            venv.display()
        );
    }
    python
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A real SMTP server (aiosmtpd) on 127.0.0.1 that stores what it receives in a maildir.
pub struct SmtpServer {
    pub port: u16,
    maildir: tempfile::TempDir,
    child: Child,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let python = aiosmtpd_python();
        let maildir = tempfile::tempdir().expect("maildir");
        for attempt in 0..5 {
            let port = free_port();
            let mut child = Command::new(&python)
                .args([
                    "-m",
                    "aiosmtpd",
                    "-n",
                    "-l",
                    &format!("127.0.0.1:{port}"),
                    "-c",
                    "aiosmtpd.handlers.Mailbox",
                ])
                .arg(maildir.path().join("box"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start aiosmtpd");
            let up = wait_until(Duration::from_secs(10), || {
                TcpStream::connect(("127.0.0.1", port)).is_ok()
            });
            if up {
                return SmtpServer {
                    port,
                    maildir,
                    child,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("aiosmtpd did not come up on port {port} (attempt {attempt})");
        }
        panic!("aiosmtpd did not start");
    }

    /// Every message received, raw, in arrival order.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let dir = self.maildir.path().join("box").join("new");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The daemon as a child process, with its stderr kept in a file.
pub struct DaemonProcess {
    pub child: Child,
    pub log: PathBuf,
}

impl DaemonProcess {
    pub fn start(config: &Path, env: &[(&str, &str)], log: PathBuf) -> DaemonProcess {
        let stderr = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_advisory-watch"));
        command
            .arg("--config")
            .arg(config)
            .args(["-v", "daemon"])
            .stdout(Stdio::null())
            .stderr(stderr);
        for (key, value) in env {
            command.env(key, value);
        }
        DaemonProcess {
            child: command.spawn().expect("start the daemon"),
            log,
        }
    }

    /// Sends SIGTERM and waits up to `limit` for the exit code.
    pub fn terminate(&mut self, limit: Duration) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGKILL, as a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
