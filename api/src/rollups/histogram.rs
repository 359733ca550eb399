//! A latency histogram over whole milliseconds with one fixed, log-linear bucket layout, so
//! histograms of any agents and minutes merge by adding the counts of equal buckets.
//!
//! Durations below [`EXACT_BELOW`] ms get a bucket each. Above, every power of two is split
//! into [`SUB_BUCKETS`] equal buckets, so a bucket is never wider than 1/16 of its lower
//! bound, and a percentile read at the bucket's midpoint is within [`RELATIVE_ERROR`] of the
//! exact (nearest-rank) percentile. Durations of [`MAX_TRACKED_MS`] or more (over 37 hours)
//! share the top bucket.

use std::collections::BTreeMap;

/// log2 of the buckets per power of two.
const SUB_BITS: u32 = 4;
/// Buckets per power of two above [`EXACT_BELOW`].
pub const SUB_BUCKETS: u32 = 1 << SUB_BITS;
/// Durations below this many ms are counted exactly.
pub const EXACT_BELOW: i64 = 1 << (SUB_BITS + 1);
/// log2 of the first duration that no longer has its own bucket range.
const MAX_BITS: u32 = 27;
/// Durations at or above this (2^27 ms, about 37.3 hours) count in the top bucket.
pub const MAX_TRACKED_MS: i64 = 1 << MAX_BITS;
/// How many buckets the layout has.
pub const BUCKETS: u16 = (SUB_BUCKETS * (MAX_BITS - SUB_BITS + 1)) as u16;
/// Largest relative error of [`Histogram::percentile`] against the exact percentile, for
/// durations below [`MAX_TRACKED_MS`]: half the widest bucket's width over its lower bound.
pub const RELATIVE_ERROR: f64 = 1.0 / (2.0 * SUB_BUCKETS as f64);

// Few enough buckets that a histogram stays small even when every bucket is used.
const _: () = assert!(BUCKETS < 400);

/// The bucket a duration falls in (negative durations count as 0 ms).
pub fn bucket_of(ms: i64) -> u16 {
    let ms = ms.clamp(0, MAX_TRACKED_MS - 1);
    if ms < EXACT_BELOW {
        return ms as u16;
    }
    // `ms` has `bits` significant bits; its top SUB_BITS + 1 of them pick the bucket.
    let bits = 64 - ms.leading_zeros();
    let shift = bits - SUB_BITS - 1;
    let mantissa = (ms >> shift) as u32; // in [SUB_BUCKETS, 2 * SUB_BUCKETS)
    (shift * SUB_BUCKETS + mantissa) as u16
}

/// The durations a bucket holds: `lower..upper` ms. `None` for a bucket outside the layout.
pub fn bounds_of(bucket: u16) -> Option<(i64, i64)> {
    if bucket >= BUCKETS {
        return None;
    }
    let bucket = u32::from(bucket);
    if i64::from(bucket) < EXACT_BELOW {
        let ms = i64::from(bucket);
        return Some((ms, ms + 1));
    }
    let shift = bucket / SUB_BUCKETS - 1;
    let mantissa = i64::from(bucket % SUB_BUCKETS + SUB_BUCKETS);
    Some((mantissa << shift, (mantissa + 1) << shift))
}

/// Counts per bucket; empty buckets are not stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: BTreeMap<u16, u64>,
}

impl Histogram {
    /// Counts one duration.
    pub fn record(&mut self, ms: i64) {
        self.add(bucket_of(ms), 1);
    }

    /// Adds `count` durations to `bucket` (as read back from storage). A bucket outside the
    /// layout (written by a future version) is ignored rather than misread.
    pub fn add(&mut self, bucket: u16, count: u64) {
        if bucket < BUCKETS && count > 0 {
            *self.counts.entry(bucket).or_default() += count;
        }
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (&bucket, &count) in &other.counts {
            self.add(bucket, count);
        }
    }

    /// How many durations it holds.
    pub fn count(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The non-empty buckets and their counts, lowest first.
    pub fn buckets(&self) -> impl Iterator<Item = (u16, u64)> + '_ {
        self.counts.iter().map(|(&b, &c)| (b, c))
    }

    /// The `q`-quantile (0 < q ≤ 1) in ms by nearest rank: the midpoint of the bucket that
    /// holds the ⌈q·n⌉-th smallest duration. `None` when the histogram is empty.
    pub fn percentile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (&bucket, &count) in &self.counts {
            seen += count;
            if seen >= rank {
                let (lower, upper) = bounds_of(bucket)?;
                // Durations are whole ms: the bucket holds lower..=upper-1.
                return Some((lower + upper - 1) as f64 / 2.0);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng as _, SeedableRng as _};

    use super::*;

    /// The exact nearest-rank percentile of `sorted`.
    fn brute_force(sorted: &[i64], q: f64) -> f64 {
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1] as f64
    }

    #[test]
    fn buckets_tile_every_tracked_duration_without_gaps_or_overlaps() {
        let mut expected_lower = 0;
        for bucket in 0..BUCKETS {
            let (lower, upper) = bounds_of(bucket).unwrap();
            assert_eq!(
                lower, expected_lower,
                "bucket {bucket} starts where the last ended"
            );
            assert!(upper > lower);
            assert!(
                (upper - lower - 1) as f64 / 2.0 <= RELATIVE_ERROR * lower as f64,
                "bucket {bucket} ({lower}..{upper}) is too wide"
            );
            assert_eq!(bucket_of(lower), bucket);
            assert_eq!(bucket_of(upper - 1), bucket);
            expected_lower = upper;
        }
        assert_eq!(expected_lower, MAX_TRACKED_MS);
        assert_eq!(bounds_of(BUCKETS), None);
        // The schema's `Latency` description states this bound.
        assert_eq!(RELATIVE_ERROR, 0.031_25);
    }

    #[test]
    fn small_durations_are_exact_and_huge_ones_share_the_top_bucket() {
        for ms in 0..EXACT_BELOW {
            assert_eq!(bounds_of(bucket_of(ms)), Some((ms, ms + 1)));
        }
        assert_eq!(bucket_of(-5), 0);
        assert_eq!(bucket_of(i64::MAX), BUCKETS - 1);
        assert_eq!(bucket_of(MAX_TRACKED_MS), BUCKETS - 1);
    }

    #[test]
    fn percentiles_are_within_the_stated_error_of_brute_force_on_random_data() {
        // Seeded, so the data is the same on every run.
        let mut rng = StdRng::seed_from_u64(42);
        for round in 0..200 {
            let n = rng.random_range(1..=3_000);
            // Log-uniform durations from 0 ms to about 35 minutes, plus a few exact repeats.
            let mut durations: Vec<i64> = (0..n)
                .map(|_| match rng.random_range(0..10) {
                    0 => 250,
                    _ => {
                        let bits = rng.random_range(0..22);
                        rng.random_range(0..1_i64 << bits)
                    }
                })
                .collect();
            // Half the rounds merge per-part histograms, as metrics over many minutes do.
            let histogram = if round % 2 == 0 {
                let mut whole = Histogram::default();
                durations.iter().for_each(|&d| whole.record(d));
                whole
            } else {
                let mut merged = Histogram::default();
                for part in durations.chunks(97) {
                    let mut h = Histogram::default();
                    part.iter().for_each(|&d| h.record(d));
                    merged.merge(&h);
                }
                merged
            };
            durations.sort_unstable();
            assert_eq!(histogram.count(), n as u64);
            for q in [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
                let exact = brute_force(&durations, q);
                let estimate = histogram.percentile(q).unwrap();
                assert!(
                    (estimate - exact).abs() <= RELATIVE_ERROR * exact,
                    "round {round}, q {q}: estimate {estimate} vs exact {exact}"
                );
            }
        }
    }

    #[test]
    fn an_empty_histogram_has_no_percentiles() {
        assert_eq!(Histogram::default().percentile(0.5), None);
        let mut h = Histogram::default();
        h.add(BUCKETS, 3);
        assert_eq!(h.count(), 0, "a bucket outside the layout is ignored");
    }
}
