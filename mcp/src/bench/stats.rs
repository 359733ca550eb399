//! The figures of a benchmark: percentiles of the measured round trips and the rate they
//! were made at, and the difference between two such summaries (what the proxy added).

use std::time::Duration;

/// Round trips of one path (direct or proxied) over all rounds.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    round_trips: Vec<Duration>,
    /// Time spent making them, summed over rounds (so pauses between rounds do not count).
    busy: Duration,
}

impl Samples {
    /// Adds one round: its round trips and how long the round took.
    pub fn add_round(&mut self, round_trips: &[Duration], took: Duration) {
        self.round_trips.extend_from_slice(round_trips);
        self.busy += took;
    }

    /// How many round trips were measured.
    pub fn len(&self) -> usize {
        self.round_trips.len()
    }

    /// Their percentiles and rate.
    pub fn summary(&self) -> Summary {
        let mut sorted = self.round_trips.clone();
        sorted.sort_unstable();
        let busy = self.busy.as_secs_f64();
        Summary {
            p50: percentile(&sorted, 50),
            p90: percentile(&sorted, 90),
            p99: percentile(&sorted, 99),
            per_second: if busy > 0.0 {
                sorted.len() as f64 / busy
            } else {
                0.0
            },
        }
    }
}

/// Percentiles of round trips, and calls per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub per_second: f64,
}

/// What the proxy added at each percentile, in microseconds (negative when the proxied
/// path was faster, as noise can make it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Added {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

impl Added {
    /// `proxied` minus `direct`, percentile by percentile.
    pub fn between(direct: &Summary, proxied: &Summary) -> Added {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        Added {
            p50: us(proxied.p50) - us(direct.p50),
            p90: us(proxied.p90) - us(direct.p90),
            p99: us(proxied.p99) - us(direct.p99),
        }
    }
}

/// The nearest-rank `q`th percentile of `sorted` (zero when empty).
fn percentile(sorted: &[Duration], q: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank: the smallest value with at least q% of the samples at or below it.
    let rank = (q * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(values: impl IntoIterator<Item = u64>) -> Vec<Duration> {
        values.into_iter().map(Duration::from_micros).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank_over_every_round() {
        let mut samples = Samples::default();
        // 1..=100 µs in two rounds, out of order.
        samples.add_round(&micros((51..=100).rev()), Duration::from_millis(30));
        samples.add_round(&micros(1..=50), Duration::from_millis(20));
        let summary = samples.summary();
        assert_eq!(summary.p50, Duration::from_micros(50));
        assert_eq!(summary.p90, Duration::from_micros(90));
        assert_eq!(summary.p99, Duration::from_micros(99));
        assert!((summary.per_second - 2000.0).abs() < 1e-6);
    }

    #[test]
    fn one_sample_is_every_percentile_and_none_is_zero() {
        let mut one = Samples::default();
        one.add_round(&micros([7]), Duration::from_micros(7));
        assert_eq!(one.summary().p99, Duration::from_micros(7));
        assert_eq!(one.summary().p50, Duration::from_micros(7));
        let none = Samples::default().summary();
        assert_eq!(none.p50, Duration::ZERO);
        assert_eq!(none.per_second, 0.0);
    }

    #[test]
    fn added_is_proxied_minus_direct() {
        let at = |p50, p90, p99| Summary {
            p50: Duration::from_micros(p50),
            p90: Duration::from_micros(p90),
            p99: Duration::from_micros(p99),
            per_second: 1.0,
        };
        let added = Added::between(&at(100, 150, 400), &at(130, 140, 600));
        assert!((added.p50 - 30.0).abs() < 1e-9);
        assert!((added.p90 + 10.0).abs() < 1e-9);
        assert!((added.p99 - 200.0).abs() < 1e-9);
    }
}
