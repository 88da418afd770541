//! The `advisory-watch` binary: parse arguments, start logging, build the runtime, run the
//! command, and map the outcome to the documented exit code (0 ok, 1 error, 2 some source
//! failed, 3 bad configuration). A closed standard output (`| head`) ends the program quietly;
//! logs are coloured only on a terminal, and never when `NO_COLOR` is set; under journald they
//! carry a `<N>` priority and no timestamp; `--log-format json` writes one JSON object a line.

use std::io::IsTerminal;
use std::process::ExitCode;

use advisory_watch::app::cli::{self, Cli, LogFormat, Status};
use advisory_watch::config::ConfigError;
use clap::Parser;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon reports each cycle; one-shot commands speak only of problems.
    let is_daemon = matches!(cli.command, cli::Command::Daemon { once: false, .. });
    let default_level = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (false, 0) if is_daemon => "info",
        (false, 0) => "warn",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_env("ADVISORY_WATCH_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("advisory_watch={default_level},warn")));
    // Colour only for a person at a terminal: journald, files and pipes get plain text.
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // journald (which sets `JOURNAL_STREAM`) stamps each line itself and reads its priority
    // from a `<N>` prefix, as sd-daemon(3) describes.
    let journald = std::env::var_os("JOURNAL_STREAM").is_some_and(|v| !v.is_empty());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text if journald => logs
            .with_ansi(false)
            .event_format(Priority(tracing_subscriber::fmt::format().without_time()))
            .init(),
        LogFormat::Text => logs.with_ansi(colour).init(),
    }

    let runtime = match advisory_watch::app::runtime() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("advisory-watch: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    // Page text reaches the terminal: no escape sequence of a page gets through.
    let mut stdout = advisory_watch::present::terminal::Sanitizing::new(std::io::stdout());
    let outcome = runtime.block_on(cli::run(cli, &mut stdout));
    // An extraction abandoned after the daemon's grace time still runs on the blocking pool:
    // exit without waiting for it (nothing stored depends on it).
    runtime.shutdown_background();
    match outcome {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::SourceFailed) => ExitCode::from(2),
        // A reader that went away (`| head`) has all it wanted: end quietly.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("advisory-watch: {}", describe(&error));
            if error.downcast_ref::<ConfigError>().is_some() {
                ExitCode::from(3)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// The error and its causes, each said once: many messages already quote their cause.
fn describe(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// Whether the error comes from writing to a closed pipe.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A line format with sd-daemon's priority prefix: `<3>` error, `<4>` warning, `<6>` info,
/// `<7>` debug and trace.
struct Priority<F>(F);

impl<S, N, F> FormatEvent<S, N> for Priority<F>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let priority = match *event.metadata().level() {
            tracing::Level::ERROR => 3,
            tracing::Level::WARN => 4,
            tracing::Level::INFO => 6,
            _ => 7,
        };
        write!(writer, "<{priority}>")?;
        self.0.format_event(ctx, writer, event)
    }
}
