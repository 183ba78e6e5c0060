//! Loom models of gets and returns through the hot slot in front of the
//! ring: every interleaving (up to loom's preemption bound) under the C11
//! memory model. Run with the ring's models (`.ci/run`, step "loom").
//!
//! Each model checks ownership (no index held twice), that a buffer's
//! contents travel with it (loom flags a read that is not ordered after the
//! last write) and that every index is back at the end; the models in which
//! no thread can find the pool empty also check that no get reports it.

// As for the ring's models: "empty" is a claim about one instant, which
// acquire/release does not expose to loom, and a model in which every get
// must succeed cannot stage the races the get's swap and the ring's
// check guard against (e.g. a get finds the slot empty, a second get drains
// the ring, a return refills the slot: that takes three parties and two
// buffers, and then "empty" can be true at some instant). `hot::tests`
// stages those races step by step; the module docs give the argument.

use super::*;
use crate::ring::Slot;
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
    fn take(&self, stamp: usize) -> usize {
        self.try_take(stamp)
            .expect("get reported empty while one was free")
    }

    /// A get; on success, checks that nobody else holds the index and
    /// writes `stamp` into the buffer after reading the previous holder's
    /// stamp (loom flags the read if it is not ordered after that write).
    fn try_take(&self, stamp: usize) -> Option<usize> {
        let index = take_index(&self.hot, &self.ring)?;
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
        Some(index)
    }

    fn give(&self, index: usize) {
        assert!(self.held[index].swap(false, Ordering::Relaxed));
        give_index(&self.hot, &self.ring, index);
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

    /// A thread that takes up to `takes` buffers, holding them all, and
    /// checks that it sees the sender's write if it got the sent buffer,
    /// `sent` (see [`send`](Self::send)).
    fn spawn_receiver(pool: &Arc<Self>, sent: usize, takes: usize) -> thread::JoinHandle<()> {
        let pool = pool.clone();
        thread::spawn(move || {
            let taken: Vec<usize> = (0..takes)
                .filter_map(|_| take_index(&pool.hot, &pool.ring))
                .collect();
            for &index in &taken {
                // SAFETY: held by this thread now.
                let seen = pool.data[index].with(|value| unsafe { *value });
                if index == sent {
                    assert_eq!(seen, 100, "the sender's write is not visible");
                }
            }
            for index in taken {
                give_index(&pool.hot, &pool.ring, index);
            }
        })
    }

    /// Writes 100 into held buffer `index` and returns it. Called after
    /// the receiver is spawned, so only the pool can order the write before
    /// the receiver's read.
    fn send(&self, index: usize) {
        // SAFETY: the caller holds `index` until the give below.
        self.data[index].with_mut(|value| unsafe { *value = 100 });
        give_index(&self.hot, &self.ring, index);
    }

    /// After all threads joined: every index is back, each once.
    fn assert_conserved(&self) {
        let mut all: Vec<usize> =
            core::iter::from_fn(|| take_index(&self.hot, &self.ring)).collect();
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

/// One buffer handed between threads through the hot slot (the only
/// buffer, so its return goes to the empty slot): a receiver that gets it
/// must see the sender's write (the offer's `Release`, the swap's
/// `Acquire`).
#[test]
fn a_buffer_passed_through_the_slot_carries_its_contents() {
    model(
        "hot: a_buffer_passed_through_the_slot_carries_its_contents",
        || {
            let pool = Pool::<1>::full();
            let index = take_index(&pool.hot, &pool.ring).unwrap();
            let receiver = Pool::spawn_receiver(&pool, index, 1);
            pool.send(index);
            receiver.join().unwrap();
            pool.assert_conserved();
        },
    );
}

/// One buffer handed between threads through the ring, because a second
/// buffer fills the hot slot: a receiver that takes both must see the
/// sender's write (the push's `Release`, the pop's `Acquire`).
#[test]
fn a_buffer_passed_through_the_ring_carries_its_contents() {
    model(
        "hot: a_buffer_passed_through_the_ring_carries_its_contents",
        || {
            let pool = Pool::<2>::full();
            let first = take_index(&pool.hot, &pool.ring).unwrap();
            let index = take_index(&pool.hot, &pool.ring).unwrap();
            give_index(&pool.hot, &pool.ring, first); // fills the slot
            let receiver = Pool::spawn_receiver(&pool, index, 2);
            pool.send(index); // the slot is full, unless the receiver took it
            receiver.join().unwrap();
            pool.assert_conserved();
        },
    );
}

/// Three buffers: the slot fills up, so returns also go to the ring while
/// another thread takes from both places.
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

/// A buffer taken on one thread and returned on another (a guard sent
/// away), while the taking thread keeps getting and returning: ownership,
/// contents and conservation must hold.
#[test]
fn a_return_from_another_thread_keeps_ownership() {
    model("hot: a_return_from_another_thread_keeps_ownership", || {
        let pool = Pool::<2>::full();
        let held = pool.take(100);
        let returner = {
            let pool = pool.clone();
            thread::spawn(move || pool.give(held))
        };
        pool.cycle(2, 200);
        returner.join().unwrap();
        pool.assert_conserved();
    });
}
