//! The worker threads of an encoder with several slices.
//!
//! One pool per encoder, started with it and kept until it is dropped: every per-frame stage
//! that can be cut into independent parts (the slices, the half-sample planes, loading the
//! source, finding unchanged macroblocks, gathering the slices' reconstructions) hands its
//! parts to the same threads. Spawning threads per frame and stage instead cost tens of
//! microseconds each, which at 16 threads was a large share of a 1080p frame.
//!
//! Every part runs with the kernels ([`crate::dsp::Kernels`]) of the thread that hands it out
//! (an encoder's, see [`crate::dsp::kernels`]), and parts write disjoint data, so the result
//! never depends on which thread ran what.

use crate::error::{Error, Result};

/// An encoder's worker threads; none with one slice (everything then runs on the caller's
/// thread).
pub struct Workers {
    pool: Option<rayon::ThreadPool>,
}

impl Workers {
    /// No workers: every part runs on the caller's thread.
    pub fn single() -> Self {
        Workers { pool: None }
    }

    /// Workers for `threads` parts at a time (none for one).
    pub fn new(threads: usize) -> Result<Self> {
        let pool = if threads > 1 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("rtenc-{i}"))
                    .build()
                    .map_err(|e| {
                        Error::InvalidConfig(format!("cannot start {threads} worker threads: {e}"))
                    })?,
            )
        } else {
            None
        };
        Ok(Workers { pool })
    }

    /// How many parts run at once.
    pub fn count(&self) -> usize {
        self.pool
            .as_ref()
            .map_or(1, rayon::ThreadPool::current_num_threads)
    }

    /// Runs `f` on every part of `parts`, on the workers when there are any, and returns when
    /// all are done.
    pub fn run<T: Send>(&self, parts: impl IntoIterator<Item = T> + Send, f: impl Fn(T) + Sync) {
        match &self.pool {
            None => parts.into_iter().for_each(f),
            Some(pool) => {
                let kernels = crate::dsp::kernels();
                let f = &f;
                pool.scope(|scope| {
                    for part in parts {
                        scope.spawn(move |_| {
                            let _kernels = crate::dsp::KernelScope::enter(kernels);
                            f(part)
                        });
                    }
                });
            }
        }
    }

    /// The length of the bands `0..n` is cut into, one per worker at most: every band but the
    /// last has this length (so `chunks_mut` of per-row data makes the same bands).
    pub fn band_len(&self, n: usize) -> usize {
        n.div_ceil(self.count().clamp(1, n.max(1))).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_at_most_one_per_worker() {
        for threads in [1, 2, 3, 16] {
            let w = Workers::new(threads).unwrap();
            for n in [1, 5, 68, 135] {
                let len = w.band_len(n);
                assert!(n.div_ceil(len) <= threads, "{threads} {n}");
                assert!(len * threads >= n);
            }
        }
    }

    #[test]
    fn every_part_runs_with_the_callers_kernels() {
        let w = Workers::new(4).unwrap();
        let scalar = crate::dsp::Kernels::best(crate::Isa::Scalar);
        let _k = crate::dsp::KernelScope::enter(scalar);
        let mut seen = [None; 32];
        w.run(seen.iter_mut(), |slot| {
            *slot = Some(crate::dsp::kernels().isa);
        });
        assert!(seen.iter().all(|s| *s == Some(crate::Isa::Scalar)));
    }
}
