//! Run-time controls of a [`SimHandle`] for random faults, fault counters, endpoint limits
//! and competing load on a key's budget.

use super::SimHandle;
use super::http::lock;
use super::random::{FaultCounts, RandomFaults};
use super::ratelimit::EndpointRateLimit;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

impl SimHandle {
    /// Replaces the random faults, latency and listing lag (see [`super::random`]); any 429
    /// storm in progress ends. Users already hidden by listing lag stay hidden until their
    /// time.
    ///
    /// # Errors
    /// The problems [`RandomFaults::validate`] finds; nothing changes then.
    pub fn set_random_faults(&self, faults: RandomFaults) -> Result<(), String> {
        faults.validate()?;
        lock(&self.inner.shared.random).set(faults);
        Ok(())
    }

    /// The random faults in force.
    pub fn random_faults(&self) -> RandomFaults {
        lock(&self.inner.shared.random).config().clone()
    }

    /// How many faults of each kind were injected so far, scripted and random, and how many
    /// requests the real budget refused.
    pub fn fault_counts(&self) -> FaultCounts {
        self.inner.shared.counts.snapshot()
    }

    /// Gives `method` `path` an extra limit of `requests` per `window_seconds` seconds (0 is
    /// treated as 1) per key, on top of the key's budget, or replaces the one it has
    /// (`PAGERDUTY_API.md` §6: "Some operations have extra limits of their own").
    ///
    /// # Errors
    /// The problem [`EndpointRateLimit::validate`] finds (bad method or path).
    pub fn set_endpoint_rate_limit(
        &self,
        method: &str,
        path: &str,
        requests: u32,
        window_seconds: u64,
    ) -> Result<(), String> {
        let limit = EndpointRateLimit::new(method, path, requests, window_seconds.max(1));
        limit.validate()?;
        lock(&self.inner.shared.limiter).set_endpoint_limit(limit);
        Ok(())
    }

    /// Spends up to `n` requests of `key`'s budget in the current window, as another process
    /// using the same key would, without sending requests (so they appear neither in
    /// [`SimHandle::requests`] nor in the counters). Returns how many were spent: fewer than
    /// `n` when the budget ran out.
    pub fn spend_budget(&self, key: &str, n: u32) -> u32 {
        lock(&self.inner.shared.limiter).spend(key, n, Instant::now())
    }

    /// Starts a competing load generator: a task that spends `requests_per_minute` of
    /// `key`'s budget, evenly (every 10 ms, the share due by then), until
    /// [`CompetingLoad::stop`] or until the handle is dropped. When the budget is exhausted
    /// the generator's requests are refused like anyone's and it does not retry them (they
    /// count as [`CompetingLoad::refused`]). Needs a tokio runtime.
    ///
    /// An issue-8 test runs `apply` while `sim.competing_load(KEY, 300)` spends 300 of the
    /// key's 960 requests per minute, then checks that no action failed.
    pub fn competing_load(&self, key: &str, requests_per_minute: u32) -> CompetingLoad {
        let stats = Arc::new(LoadStats::default());
        let (stop, mut stopped) = watch::channel(false);
        let sim = self.clone();
        let key = key.to_string();
        let task_stats = stats.clone();
        let task = tokio::spawn(async move {
            let start = Instant::now();
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut attempted: u64 = 0;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let due =
                    (start.elapsed().as_secs_f64() * f64::from(requests_per_minute) / 60.0) as u64;
                let n = due.saturating_sub(attempted).min(u64::from(u32::MAX)) as u32;
                if n == 0 {
                    continue;
                }
                attempted += u64::from(n);
                let spent = sim.spend_budget(&key, n);
                task_stats
                    .spent
                    .fetch_add(u64::from(spent), Ordering::Relaxed);
                task_stats
                    .refused
                    .fetch_add(u64::from(n - spent), Ordering::Relaxed);
            }
        });
        CompetingLoad {
            stats,
            stop,
            task: Some(task),
        }
    }
}

#[derive(Debug, Default)]
struct LoadStats {
    spent: AtomicU64,
    refused: AtomicU64,
}

/// A running competing load generator ([`SimHandle::competing_load`]). Dropping it stops
/// the generator.
#[derive(Debug)]
pub struct CompetingLoad {
    stats: Arc<LoadStats>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl CompetingLoad {
    /// Requests spent from the key's budget so far.
    pub fn spent(&self) -> u64 {
        self.stats.spent.load(Ordering::Relaxed)
    }

    /// Requests the generator attempted while the budget was exhausted.
    pub fn refused(&self) -> u64 {
        self.stats.refused.load(Ordering::Relaxed)
    }

    /// Stops the generator and waits for it; returns the requests spent.
    pub async fn stop(mut self) -> u64 {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.spent()
    }
}

impl Drop for CompetingLoad {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::{self, Seed};

    #[tokio::test]
    async fn a_competing_load_spends_its_rate_and_stops() {
        let sim = sim::start(Seed::default(), 0).await.unwrap();
        sim.set_rate_limit(1000, 60);
        let load = sim.competing_load("k", 6000);
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        // 6000 per minute for 1 s: 100, give or take the scheduling of a busy machine.
        let spent = load.spent();
        assert!((60..=115).contains(&spent), "{spent}");
        assert_eq!(load.refused(), 0);
        let total = load.stop().await;
        assert!(total >= spent);
        // Stopped: nothing more is spent.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        // The key has what the load left; another key is untouched.
        assert_eq!(u64::from(sim.spend_budget("k", 5000)), 1000 - total);
        assert_eq!(sim.spend_budget("other", 5), 5);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn an_exhausted_budget_refuses_the_load() {
        let sim = sim::start(Seed::default(), 0).await.unwrap();
        sim.set_rate_limit(10, 60);
        let load = sim.competing_load("k", 6000);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(load.spent(), 10);
        assert!(load.refused() >= 10, "{}", load.refused());
        drop(load);
        sim.shutdown().await;
    }
}
