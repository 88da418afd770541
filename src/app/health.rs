//! `daemon --listen ADDR`: `/healthz`, `/readyz` and `/metrics` for a supervisor and Prometheus.
//!
//! This module owns the counters the daemon's cycles feed (checks by outcome, changes by kind,
//! fetch durations), the scheduler's heartbeat, and the three routes (axum). The gauges
//! (deliveries by state, the outbox's depth and oldest pending delivery, each source's last
//! success and run of failures, the database's size) are read from the store when scraped;
//! the SQL is `store`'s. `/metrics` is the Prometheus text format (OpenMetrics), written by
//! `prometheus-client`; every name starts with `advisory_watch_`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::check::CycleReport;
use crate::net::fetch::FetchObserver;
use crate::present::server::{self, Hosts, Limits};
use crate::store::{HealthFacts, StoreHandle};

/// How long `/readyz` waits for the database before saying it did not answer.
const DATABASE_WAIT: Duration = Duration::from_secs(5);

/// How far past due the oldest pending delivery may be before the outbox counts as stuck.
const OUTBOX_STUCK_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(1);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: String,
}

/// The daemon's metrics and heartbeat, shared by the scheduler, the checks and the routes.
pub struct Health {
    registry: Registry,
    checks: Family<OutcomeLabels, Counter>,
    changes: Family<KindLabels, Counter>,
    fetch_duration: Histogram,
    deliveries: Family<StateLabels, Gauge>,
    outbox_depth: Gauge,
    outbox_oldest_age: Gauge<f64, AtomicU64>,
    last_success: Family<SourceLabels, Gauge<f64, AtomicU64>>,
    consecutive_failures: Family<SourceLabels, Gauge>,
    database_bytes: Gauge,
    last_tick: Gauge<f64, AtomicU64>,
    /// When the scheduler last went round its loop, in unix milliseconds.
    tick_millis: AtomicI64,
    /// How long the scheduler may be silent before `/readyz` says it is stuck.
    tick_bound: Duration,
}

impl Health {
    /// Metrics at zero, and a heartbeat that counts the scheduler as stuck when it has not
    /// gone round its loop for `tick_bound`.
    pub fn new(tick_bound: Duration) -> Health {
        let mut registry = Registry::with_prefix("advisory_watch");
        let checks = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "checks",
            "Checks of a source, by outcome (changed, unchanged, new, failed)",
            checks.clone(),
        );
        // Every outcome is there from the start, at zero, so that a rate of failures is one.
        for outcome in ["changed", "unchanged", "new", "failed"] {
            let _ = checks.get_or_create(&OutcomeLabels { outcome });
        }
        let fetch_duration = Histogram::new(exponential_buckets(0.05, 2.0, 12));
        registry.register_with_unit(
            "fetch_duration",
            "How long each HTTP request for a page took",
            Unit::Seconds,
            fetch_duration.clone(),
        );
        let changes = Family::<KindLabels, Counter>::default();
        registry.register(
            "changes",
            "Changes detected, by class (level_raised, indicators_added, ...)",
            changes.clone(),
        );
        let deliveries = Family::<StateLabels, Gauge>::default();
        registry.register(
            "deliveries",
            "Deliveries in the outbox, by state (pending, sent, dead)",
            deliveries.clone(),
        );
        let outbox_depth = Gauge::default();
        registry.register(
            "outbox_depth",
            "Deliveries waiting to be sent",
            outbox_depth.clone(),
        );
        let outbox_oldest_age = Gauge::<f64, AtomicU64>::default();
        registry.register_with_unit(
            "outbox_oldest_pending_age",
            "How long the oldest pending delivery has waited (0 when none)",
            Unit::Seconds,
            outbox_oldest_age.clone(),
        );
        let last_success = Family::<SourceLabels, Gauge<f64, AtomicU64>>::default();
        registry.register_with_unit(
            "source_last_success_timestamp",
            "When each source was last checked successfully (unix time)",
            Unit::Seconds,
            last_success.clone(),
        );
        let consecutive_failures = Family::<SourceLabels, Gauge>::default();
        registry.register(
            "source_consecutive_failures",
            "Failed checks of each source since its last success",
            consecutive_failures.clone(),
        );
        let database_bytes = Gauge::default();
        registry.register_with_unit(
            "database_size",
            "The database's size",
            Unit::Bytes,
            database_bytes.clone(),
        );
        let last_tick = Gauge::<f64, AtomicU64>::default();
        registry.register_with_unit(
            "scheduler_last_tick_timestamp",
            "When the scheduler last went round its loop (unix time)",
            Unit::Seconds,
            last_tick.clone(),
        );
        let health = Health {
            registry,
            checks,
            changes,
            fetch_duration,
            deliveries,
            outbox_depth,
            outbox_oldest_age,
            last_success,
            consecutive_failures,
            database_bytes,
            last_tick,
            tick_millis: AtomicI64::new(0),
            tick_bound,
        };
        health.tick(Utc::now());
        health
    }

    /// The scheduler went round its loop at `now`.
    pub fn tick(&self, now: DateTime<Utc>) {
        self.tick_millis
            .store(now.timestamp_millis(), Ordering::Relaxed);
    }

    /// Counts what one check (or cycle) found.
    pub fn record(&self, report: &CycleReport) {
        let mut changed: Vec<&str> = report.changes.iter().map(|c| c.source.as_str()).collect();
        changed.sort_unstable();
        changed.dedup();
        for (outcome, count) in [
            ("changed", changed.len()),
            ("unchanged", report.unchanged),
            ("new", report.first_versions.len()),
            ("failed", report.failures.len()),
        ] {
            if count > 0 {
                self.checks
                    .get_or_create(&OutcomeLabels { outcome })
                    .inc_by(count as u64);
            }
        }
        for change in &report.changes {
            let classes = change.change.classes();
            if classes.is_empty() {
                self.changes
                    .get_or_create(&KindLabels { kind: "other" })
                    .inc();
            }
            for class in classes {
                self.changes
                    .get_or_create(&KindLabels { kind: class.id() })
                    .inc();
            }
        }
    }

    /// Counts a check that could not run to its end (the store refused it).
    pub fn record_failed_check(&self) {
        self.checks
            .get_or_create(&OutcomeLabels { outcome: "failed" })
            .inc();
    }

    /// What a fetcher tells of each request's duration.
    pub fn fetch_observer(self: &Arc<Health>) -> FetchObserver {
        let histogram = self.fetch_duration.clone();
        FetchObserver(Arc::new(move |took: Duration| {
            histogram.observe(took.as_secs_f64());
        }))
    }

    /// The text `/metrics` answers, with the gauges set from `facts` read at `now`.
    fn render(&self, facts: &HealthFacts, now: DateTime<Utc>) -> Result<String, std::fmt::Error> {
        for &(state, count) in &facts.deliveries {
            self.deliveries
                .get_or_create(&StateLabels { state })
                .set(count);
            if state == "pending" {
                self.outbox_depth.set(count);
            }
        }
        self.outbox_oldest_age.set(
            facts
                .oldest_pending_created
                .map_or(0.0, |at| seconds(now - at).max(0.0)),
        );
        // Sources the configuration dropped go with it.
        self.last_success.clear();
        self.consecutive_failures.clear();
        for source in &facts.sources {
            let labels = SourceLabels {
                source: source.name.clone(),
            };
            if let Some(at) = source.last_success_at {
                self.last_success
                    .get_or_create(&labels)
                    .set(at.timestamp_millis() as f64 / 1000.0);
            }
            self.consecutive_failures
                .get_or_create(&labels)
                .set(source.consecutive_failures);
        }
        self.database_bytes.set(facts.database_bytes);
        self.last_tick
            .set(self.tick_millis.load(Ordering::Relaxed) as f64 / 1000.0);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }

    /// Why the scheduler counts as stuck at `now`, if it does.
    fn scheduler_stuck(&self, now: DateTime<Utc>) -> Option<String> {
        let last = DateTime::from_timestamp_millis(self.tick_millis.load(Ordering::Relaxed))?;
        let silent = now - last;
        (silent.to_std().unwrap_or_default() > self.tick_bound).then(|| {
            format!(
                "scheduler: last went round its loop {}s ago (more than {}s)",
                silent.num_seconds(),
                self.tick_bound.as_secs()
            )
        })
    }
}

fn seconds(delta: chrono::TimeDelta) -> f64 {
    delta.num_milliseconds() as f64 / 1000.0
}

/// Why the outbox counts as stuck at `now`, if it does: a pending delivery more than
/// [`OUTBOX_STUCK_AFTER`] past due.
fn outbox_stuck(facts: &HealthFacts, now: DateTime<Utc>) -> Option<String> {
    let due = facts.earliest_pending_due?;
    (now - due > OUTBOX_STUCK_AFTER).then(|| {
        format!(
            "outbox: a pending delivery has been due for {}s (more than {}s)",
            (now - due).num_seconds(),
            OUTBOX_STUCK_AFTER.num_seconds()
        )
    })
}

#[derive(Clone)]
struct Served {
    health: Arc<Health>,
    store: StoreHandle,
}

/// The routes: `/healthz`, `/readyz`, `/metrics`, for the Host names in `hosts` (any other
/// is a 421: the metrics name every source).
pub fn router(health: Arc<Health>, store: StoreHandle, hosts: Hosts) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Served { health, store })
        .layer(axum::middleware::from_fn_with_state(
            hosts,
            server::refuse_other_hosts,
        ))
}

/// Where `daemon --listen` serves, for which Host names beyond its address's, within what.
#[derive(Debug)]
pub struct Listening {
    /// The bound address.
    pub listener: tokio::net::TcpListener,
    /// `--allowed-host`.
    pub allowed_hosts: Vec<String>,
    /// Timeouts and the connection cap.
    pub limits: Limits,
}

/// Serves the routes as `listening` says until `shutdown` completes.
pub async fn serve(
    health: Arc<Health>,
    store: StoreHandle,
    listening: Listening,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Listening {
        listener,
        allowed_hosts,
        limits,
    } = listening;
    let hosts = Hosts::for_listener(listener.local_addr()?, &allowed_hosts);
    let router = router(health, store, hosts);
    server::serve("health and metrics", router, listener, &limits, shutdown).await
}

fn plain(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

async fn healthz() -> Response {
    plain(StatusCode::OK, "ok\n".into())
}

/// Reads the facts from the store, within [`DATABASE_WAIT`].
async fn facts(store: &StoreHandle) -> Result<HealthFacts, String> {
    match tokio::time::timeout(DATABASE_WAIT, store.call(|s| s.health_facts())).await {
        Ok(Ok(facts)) => Ok(facts),
        Ok(Err(e)) => Err(format!("database: {e}")),
        Err(_) => Err(format!(
            "database: no answer within {}s",
            DATABASE_WAIT.as_secs()
        )),
    }
}

async fn readyz(State(served): State<Served>) -> Response {
    let mut failed = Vec::new();
    match tokio::time::timeout(DATABASE_WAIT, served.store.call(|s| s.check_writable())).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => failed.push(format!("database: not writable: {e}")),
        Err(_) => failed.push(format!(
            "database: no answer within {}s",
            DATABASE_WAIT.as_secs()
        )),
    }
    let now = Utc::now();
    failed.extend(served.health.scheduler_stuck(now));
    match facts(&served.store).await {
        Ok(facts) => failed.extend(outbox_stuck(&facts, now)),
        Err(e) if failed.is_empty() => failed.push(e),
        Err(_) => {}
    }
    if failed.is_empty() {
        plain(StatusCode::OK, "ready\n".into())
    } else {
        plain(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready\n{}\n", failed.join("\n")),
        )
    }
}

async fn metrics(State(served): State<Served>) -> Response {
    let rendered = match facts(&served.store).await {
        Ok(facts) => served.health.render(&facts, Utc::now()),
        Err(e) => return plain(StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")),
    };
    match rendered {
        Ok(text) => {
            let mut response = (StatusCode::OK, text).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            );
            response
        }
        Err(_) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot write the metrics\n".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheduler_silent_past_its_bound_is_stuck() {
        let health = Health::new(Duration::from_secs(60));
        let now = Utc::now();
        health.tick(now);
        assert!(health.scheduler_stuck(now).is_none());
        assert!(
            health
                .scheduler_stuck(now + chrono::TimeDelta::seconds(61))
                .is_some_and(|why| why.starts_with("scheduler:"))
        );
    }

    #[test]
    fn a_delivery_an_hour_past_due_makes_the_outbox_stuck() {
        let now = Utc::now();
        let mut facts = HealthFacts {
            earliest_pending_due: Some(now - chrono::TimeDelta::minutes(59)),
            ..HealthFacts::default()
        };
        assert!(outbox_stuck(&facts, now).is_none());
        facts.earliest_pending_due = Some(now - chrono::TimeDelta::minutes(61));
        assert!(outbox_stuck(&facts, now).is_some_and(|why| why.starts_with("outbox:")));
    }

    #[test]
    fn every_metric_name_has_the_prefix() {
        let health = Health::new(Duration::from_secs(60));
        health.record_failed_check();
        let facts = HealthFacts {
            deliveries: vec![("pending", 1), ("sent", 2), ("dead", 0)],
            database_bytes: 4096,
            ..HealthFacts::default()
        };
        let text = health.render(&facts, Utc::now()).expect("render");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(line.starts_with("advisory_watch_"), "{line}");
        }
        assert!(text.contains("advisory_watch_checks_total{outcome=\"failed\"} 1"));
        assert!(text.contains("advisory_watch_database_size_bytes 4096"));
        assert!(text.contains("advisory_watch_outbox_depth 1"));
    }
}
