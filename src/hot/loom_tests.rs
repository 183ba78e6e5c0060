//! Loom models of gets and returns through the hot slots in front of the
//! ring: every interleaving (up to loom's preemption bound) under the C11
//! memory model. Run with the ring's models (`.ci/run`, step "loom").
//!
//! Each model checks ownership (no index held twice), that a buffer's
//! contents travel with it (loom flags a read that is not ordered after the
//! last write) and that every index is back at the end; the models in which
//! no thread can find the pool empty also check that no get reports it.

// As for the ring's models: "empty" is a claim about one instant, which
// acquire/release does not expose to loom, and a model in which every get
// must succeed cannot stage the races the get's second take and the ring's
// check guard against (e.g. a get finds the slot empty, a second get drains
// the ring, a return refills the slot: that takes three parties and two
// buffers, and then "empty" can be true at some instant). `hot::tests`
// stages those races step by step; the module docs give the argument.

use super::*;
use crate::ring::loom_tests::model;
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::thread;
use std::vec::Vec;

/// A pool in miniature: ring, hot slot, one "held" flag and one data cell
/// per index.
struct Pool<const N: usize> {
    ring: Ring<[Slot; N]>,
    hot: HotSlot,
    held: [AtomicBool; N],
    data: [UnsafeCell<usize>; N],
}

// SAFETY: a data cell is only touched by the holder of its index (checked
// by `held`), and loom checks that each access is ordered after the last.
unsafe impl<const N: usize> Sync for Pool<N> {}

impl<const N: usize> Pool<N> {
    fn full() -> Arc<Self> {
        Arc::new(Self {
            ring: Ring::full(),
            hot: HotSlot::new(),
            held: core::array::from_fn(|_| AtomicBool::new(false)),
            data: core::array::from_fn(|_| UnsafeCell::new(0)),
        })
    }

    /// A get that must succeed (the caller knows one is free); see
    /// [`try_take`](Self::try_take).
    fn take(&self, stamp: usize) -> (usize, Source) {
        self.try_take(stamp)
            .expect("get reported empty while one was free")
    }

    /// A get; on success, checks that nobody else holds the index and
    /// writes `stamp` into the buffer after reading the previous holder's
    /// stamp (loom flags the read if it is not ordered after that write).
    fn try_take(&self, stamp: usize) -> Option<(usize, Source)> {
        let (index, source) = take_index(&self.hot, &self.ring)?;
        assert!(
            !self.held[index].swap(true, Ordering::Relaxed),
            "index {index} held twice"
        );
        self.data[index].with_mut(|value| {
            // SAFETY: this thread holds `index` (just checked).
            let previous = unsafe { *value };
            assert!(previous == 0 || previous >= 100, "torn value {previous}");
            // SAFETY: as above.
            unsafe { *value = stamp };
        });
        Some((index, source))
    }

    fn give(&self, (index, source): (usize, Source)) {
        assert!(self.held[index].swap(false, Ordering::Relaxed));
        give_index(&self.hot, &self.ring, index, source)
            .expect("return of a held index overflowed");
    }

    /// `rounds` gets, each returned at once (stamps from `stamp` on).
    fn cycle(&self, rounds: usize, stamp: usize) {
        for round in 0..rounds {
            let held = self.take(stamp + round);
            self.give(held);
        }
    }

    /// A thread that runs [`cycle`](Self::cycle).
    fn spawn_cycles(pool: &Arc<Self>, rounds: usize, stamp: usize) -> thread::JoinHandle<()> {
        let pool = pool.clone();
        thread::spawn(move || pool.cycle(rounds, stamp))
    }

    /// A thread that takes one buffer, if any is free, and checks that it
    /// sees the sender's write (see [`send`](Self::send)).
    fn spawn_receiver(pool: &Arc<Self>) -> thread::JoinHandle<()> {
        let pool = pool.clone();
        thread::spawn(move || {
            if let Some((index, source)) = take_index(&pool.hot, &pool.ring) {
                // SAFETY: held by this thread now.
                let seen = pool.data[index].with(|value| unsafe { *value });
                assert_eq!(seen, 100, "the sender's write is not visible");
                give_index(&pool.hot, &pool.ring, index, source).unwrap();
            }
        })
    }

    /// Writes 100 into held buffer `index` and returns it. Called after
    /// the receiver is spawned, so only the pool can order the write before
    /// the receiver's read.
    fn send(&self, index: usize, source: Source) {
        // SAFETY: the caller holds `index` until the give below.
        self.data[index].with_mut(|value| unsafe { *value = 100 });
        give_index(&self.hot, &self.ring, index, source).unwrap();
    }

    /// After all threads joined: nobody owns the owned slot, and every
    /// index is back, each once.
    fn assert_conserved(&self) {
        assert!(!self.hot.looks_owned(), "the owned slot is left owned");
        let mut all: Vec<usize> =
            core::iter::from_fn(|| take_bare_index(&self.hot, &self.ring)).collect();
        all.sort_unstable();
        assert_eq!(all, (0..N).collect::<Vec<_>>());
    }
}

/// Two buffers, two threads holding at most one each: every get must
/// succeed, whether the other thread's return went to the hot slot or the
/// ring, and wherever it lands in the get's steps.
#[test]
fn two_threads_never_miss_a_free_buffer() {
    model("hot: two_threads_never_miss_a_free_buffer", || {
        let pool = Pool::<2>::full();
        let other = Pool::spawn_cycles(&pool, 2, 100);
        pool.cycle(2, 200);
        other.join().unwrap();
        pool.assert_conserved();
    });
}

/// One buffer handed between threads through the owned slot only (the
/// sender's get claimed the free slot, so its return refills it): the
/// receiver must see the sender's write (the refill's `Release`, the
/// claim's `Acquire`).
#[test]
fn a_buffer_passed_through_the_slot_carries_its_contents() {
    model(
        "hot: a_buffer_passed_through_the_slot_carries_its_contents",
        || {
            let pool = Pool::<1>::full();
            let (index, source) = take_index(&pool.hot, &pool.ring).unwrap();
            assert!(matches!(source, Source::Owner(_)));
            let receiver = Pool::spawn_receiver(&pool);
            pool.send(index, source);
            receiver.join().unwrap();
            pool.assert_conserved();
        },
    );
}

/// Three buffers: the slots fill up, so returns also go to the ring while
/// another thread takes from all three places.
#[test]
fn returns_overflow_from_the_slot_into_the_ring() {
    model("hot: returns_overflow_from_the_slot_into_the_ring", || {
        let pool = Pool::<3>::full();
        let other = {
            let pool = pool.clone();
            thread::spawn(move || {
                let first = pool.take(100);
                let second = pool.take(101);
                pool.give(first);
                pool.give(second);
            })
        };
        let held = pool.take(200);
        pool.give(held);
        other.join().unwrap();
        pool.assert_conserved();
    });
}

/// Three threads on two buffers, so gets may find the pool empty and the
/// empty check's retry path runs: ownership, contents and conservation
/// must hold whatever a get answers.
#[test]
fn three_threads_on_two_buffers_keep_ownership() {
    model("hot: three_threads_on_two_buffers_keep_ownership", || {
        let pool = Pool::<2>::full();
        let workers: Vec<_> = (0..2)
            .map(|worker| {
                let pool = pool.clone();
                thread::spawn(move || {
                    if let Some(held) = pool.try_take(100 + worker) {
                        pool.give(held);
                    }
                })
            })
            .collect();
        if let Some(held) = pool.try_take(200) {
            pool.give(held);
        }
        for worker in workers {
            worker.join().unwrap();
        }
        pool.assert_conserved();
    });
}

/// One buffer handed between threads through the shared slot, while a
/// third buffer keeps the owned slot owned: the receiver must see the
/// sender's write (the offer's `Release`, the take's `Acquire`).
#[test]
fn a_buffer_passed_through_the_shared_slot_carries_its_contents() {
    model(
        "hot: a_buffer_passed_through_the_shared_slot_carries_its_contents",
        || {
            let pool = Pool::<2>::full();
            let owner = take_index(&pool.hot, &pool.ring).unwrap();
            assert!(matches!(owner.1, Source::Owner(_)));
            let (index, source) = take_index(&pool.hot, &pool.ring).unwrap();
            assert!(matches!(source, Source::Ring(_)));
            let receiver = Pool::spawn_receiver(&pool);
            pool.send(index, source);
            receiver.join().unwrap();
            give_index(&pool.hot, &pool.ring, owner.0, owner.1).unwrap();
            pool.assert_conserved();
        },
    );
}

/// The owner's return runs on another thread than its get (a guard sent
/// away), while the getting thread keeps taking: ownership, contents and
/// conservation must hold, and the refill must not lose an index.
#[test]
fn an_owner_returning_from_another_thread_keeps_ownership() {
    model(
        "hot: an_owner_returning_from_another_thread_keeps_ownership",
        || {
            let pool = Pool::<2>::full();
            let owned = pool.take(100);
            assert!(matches!(owned.1, Source::Owner(_)));
            let returner = {
                let pool = pool.clone();
                thread::spawn(move || pool.give(owned))
            };
            pool.cycle(2, 200);
            returner.join().unwrap();
            pool.assert_conserved();
        },
    );
}

/// An owner gives the owned slot up without a refill (its guard taken
/// apart, as by `into_raw`, then re-entered through the ring) while
/// another thread gets and returns: the release must leave the slot free
/// for exactly one later claim, and nothing may be lost or shared.
#[test]
fn an_owner_releasing_the_slot_races_other_gets() {
    model("hot: an_owner_releasing_the_slot_races_other_gets", || {
        let pool = Pool::<2>::full();
        let other = Pool::spawn_cycles(&pool, 2, 100);
        if let Some((index, source)) = pool.try_take(200) {
            let source = match source {
                Source::Owner(version) => {
                    pool.hot.release(version);
                    Source::Ring((&pool.ring as &Ring<[Slot]>).head_hint())
                }
                other => other,
            };
            pool.give((index, source));
        }
        other.join().unwrap();
        pool.assert_conserved();
    });
}
