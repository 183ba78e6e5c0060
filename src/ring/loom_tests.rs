//! Loom models of the ring: every interleaving (up to loom's preemption
//! bound) of a few threads popping and pushing, under the C11 memory model.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --lib loom`.
//! Each model checks ownership (no index held twice), that a pop never fails
//! while an index is free, and that every index is back at the end.

use super::*;
use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::thread;
use std::vec::Vec;

/// A ring plus one "held by someone" flag per index.
struct Model<const N: usize> {
    ring: Ring<[Slot; N]>,
    held: [AtomicBool; N],
}

impl<const N: usize> Model<N> {
    fn full() -> Arc<Self> {
        Arc::new(Self {
            ring: Ring::full(),
            held: core::array::from_fn(|_| AtomicBool::new(false)),
        })
    }

    fn ring(&self) -> &Ring<[Slot]> {
        &self.ring
    }

    /// Pops, asserting success and that nobody else holds the index.
    fn take(&self) -> usize {
        let index = self
            .ring()
            .pop()
            .expect("pop failed while an index was free");
        assert!(
            !self.held[index].swap(true, Ordering::Relaxed),
            "index {index} held twice"
        );
        index
    }

    fn give(&self, index: usize) {
        assert!(self.held[index].swap(false, Ordering::Relaxed));
        self.ring()
            .push(index)
            .expect("push of a held index overflowed");
    }

    /// After all threads joined: every index is back, each once.
    fn assert_conserved(&self) {
        let ring = self.ring();
        let mut all: Vec<usize> = core::iter::from_fn(|| ring.pop()).collect();
        all.sort_unstable();
        assert_eq!(all, (0..N).collect::<Vec<_>>());
    }
}

/// Checks `f` under every interleaving within the preemption bound
/// (`LOOM_MAX_PREEMPTIONS`, default 3) and prints how many it explored.
fn model(name: &str, f: impl Fn() + Sync + Send + 'static) {
    use std::sync::Arc as StdArc;
    use std::sync::atomic::{AtomicUsize, Ordering as StdOrdering};

    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    let runs = StdArc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    builder.check(move || {
        counter.fetch_add(1, StdOrdering::Relaxed);
        f();
    });
    std::println!(
        "loom {name}: {} interleavings",
        runs.load(StdOrdering::Relaxed)
    );
}

#[test]
fn two_threads_take_and_return_one_each() {
    model("two_threads_take_and_return_one_each", || {
        let m = Model::<2>::full();
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                let i = m.take();
                m.give(i);
            })
        };
        let i = m.take();
        m.give(i);
        other.join().unwrap();
        m.assert_conserved();
    });
}

/// Capacity 2 and two rounds each: slots go around the ring more than once,
/// so a CAS that read one lap meets the next lap's value.
#[test]
fn two_threads_lap_the_ring() {
    model("two_threads_lap_the_ring", || {
        let m = Model::<2>::full();
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..2 {
                    let i = m.take();
                    m.give(i);
                }
            })
        };
        for _ in 0..2 {
            let i = m.take();
            m.give(i);
        }
        other.join().unwrap();
        m.assert_conserved();
    });
}

#[test]
fn three_threads_take_and_return_one_each() {
    model("three_threads_take_and_return_one_each", || {
        let m = Model::<3>::full();
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    let i = m.take();
                    m.give(i);
                })
            })
            .collect();
        let i = m.take();
        m.give(i);
        for w in workers {
            w.join().unwrap();
        }
        m.assert_conserved();
    });
}

/// One index is held for the whole run, so the others lap a ring with a
/// hole in it; each thread holds at most one more, so at every pop at most
/// two of three indices are out and the pop must succeed: "empty" is never
/// reported spuriously.
#[test]
fn pop_never_fails_while_an_index_is_free() {
    model("pop_never_fails_while_an_index_is_free", || {
        let m = Model::<3>::full();
        let kept = m.take();
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..2 {
                    let i = m.take();
                    m.give(i);
                }
            })
        };
        let i = m.take();
        m.give(i);
        other.join().unwrap();
        m.give(kept);
        m.assert_conserved();
    });
}

/// An empty ring: a pop racing one push returns nothing or that index.
#[test]
fn pop_on_empty_ring_sees_nothing_or_the_racing_push() {
    model("pop_on_empty_ring_sees_nothing_or_the_racing_push", || {
        let ring: Arc<Ring<[Slot; 2]>> = Arc::new(Ring::empty());
        let pusher = {
            let ring = ring.clone();
            thread::spawn(move || {
                let ring: &Ring<[Slot]> = &*ring;
                ring.push(1).unwrap();
            })
        };
        let ring_ref: &Ring<[Slot]> = &*ring;
        let first = ring_ref.pop();
        assert!(first.is_none() || first == Some(1));
        pusher.join().unwrap();
        let rest = ring_ref.pop();
        assert_eq!(first.or(rest), Some(1));
        assert_eq!(ring_ref.pop(), None);
    });
}

/// A tag flipped while other threads pop and push survives, and the ring
/// still holds every index.
#[test]
fn tag_flips_race_pops_and_pushes() {
    model("tag_flips_race_pops_and_pushes", || {
        let m = Model::<2>::full();
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                let i = m.take();
                m.give(i);
            })
        };
        assert!(!m.ring().set_tag(0));
        assert!(m.ring().clear_tag(0));
        other.join().unwrap();
        assert!(!m.ring().clear_tag(0));
        m.assert_conserved();
    });
}
