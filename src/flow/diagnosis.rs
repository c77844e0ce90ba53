//! The probe a run starts when no callback has arrived for a while: it tells the person,
//! while the run still waits, whether the IdP even accepts the redirect URI, and gives the
//! timeout error its likely cause.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;

use crate::doctor::{check_redirect, DoctorOptions, DoctorReport};
use crate::oauth::types::RedirectUri;
use crate::profile::Profile;

/// How long the probe may still take once the run has timed out.
pub const AFTER_TIMEOUT_BUDGET: Duration = Duration::from_secs(5);

/// A probe that starts after a delay (or at once when asked) in a background task.
pub struct BackgroundDiagnosis {
    result: Option<oneshot::Receiver<DoctorReport>>,
    start_now: Arc<Notify>,
    task: Option<JoinHandle<()>>,
    done: Option<DoctorReport>,
}

impl BackgroundDiagnosis {
    /// `after: None` never starts it on its own (only [`finish`](Self::finish) does).
    pub fn start(profile: &Profile, redirect_uri: &RedirectUri, after: Option<Duration>) -> Self {
        let (tx, rx) = oneshot::channel();
        let start_now = Arc::new(Notify::new());
        let notified = start_now.clone();
        let (profile, redirect_uri) = (profile.clone(), redirect_uri.clone());
        let task = tokio::spawn(async move {
            let delay = async {
                match after {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = delay => {}
                _ = notified.notified() => {}
            }
            // The callback server holds the port: checking it would only find ourselves.
            let options = DoctorOptions {
                check_port: false,
                ..DoctorOptions::default()
            };
            let report = check_redirect(&profile, &redirect_uri, &options).await;
            let _ = tx.send(report);
        });
        BackgroundDiagnosis {
            result: Some(rx),
            start_now,
            task: Some(task),
            done: None,
        }
    }

    /// No probe at all: `next` never yields and `finish` finds nothing.
    pub fn off() -> Self {
        BackgroundDiagnosis {
            result: None,
            start_now: Arc::new(Notify::new()),
            task: None,
            done: None,
        }
    }

    /// The report once the probe has finished; pending forever after it was delivered.
    pub async fn next(&mut self) -> DoctorReport {
        let Some(rx) = self.result.as_mut() else {
            return std::future::pending().await;
        };
        match rx.await {
            Ok(report) => {
                self.result = None;
                self.done = Some(report.clone());
                report
            }
            Err(_) => {
                self.result = None;
                std::future::pending().await
            }
        }
    }

    /// At the timeout: the report if the probe has run, else runs it now within `budget`.
    pub async fn finish(mut self, budget: Duration) -> Option<DoctorReport> {
        if let Some(done) = self.done.take() {
            return Some(done);
        }
        let rx = self.result.take()?;
        self.start_now.notify_one();
        tokio::time::timeout(budget, rx).await.ok()?.ok()
    }
}

impl Drop for BackgroundDiagnosis {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
