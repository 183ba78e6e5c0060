//! Loom models of the ring: every interleaving (up to loom's preemption
//! bound) of a few threads popping and pushing, under the C11 memory model.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --lib loom`.
//! Each model checks ownership (no index held twice), that a pop never fails
//! while an index is free, and that every index is back at the end.

// What these models cannot see: the confirming self-CAS of a slot in `pop`
// makes "empty" true *at one instant*, a real-time property that
// acquire/release does not expose to loom (removing it passes every model
// here; the module docs give the argument, and it must stay). Nor can they
// see a push held up by another one stalled before its `tail` move: a
// spinning thread yields and loom runs the stalled one, so
// `ring::tests::a_push_goes_on_while_a_bulk_push_is_stalled_before_its_tail_move`
// stages that case instead.

use super::*;
use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::thread;
use std::vec::Vec;

/// An index taken by [`Model::take`].
struct Held {
    index: usize,
}

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

    /// Pops, asserting success and that nobody else holds the index, the
    /// way a guard does.
    fn take(&self) -> Held {
        let index = self
            .ring()
            .pop()
            .expect("pop failed while an index was free");
        assert!(
            !self.held[index].swap(true, Ordering::Relaxed),
            "index {index} held twice"
        );
        Held { index }
    }

    fn give(&self, held: Held) {
        assert!(self.held[held.index].swap(false, Ordering::Relaxed));
        self.ring().push(held.index);
    }

    /// Bulk-pops into `out`, marking each index held; returns how many.
    fn take_bulk(&self, out: &mut [usize]) -> usize {
        let taken = self.ring().pop_bulk(out);
        for &index in &out[..taken] {
            assert!(
                !self.held[index].swap(true, Ordering::Relaxed),
                "index {index} held twice"
            );
        }
        taken
    }

    /// Bulk-pushes `indices` back, unmarking them.
    fn give_bulk(&self, indices: &[usize]) {
        for &index in indices {
            assert!(self.held[index].swap(false, Ordering::Relaxed));
        }
        self.ring().push_bulk(indices);
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
pub(crate) fn model(name: &str, f: impl Fn() + Sync + Send + 'static) {
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

/// Capacity 5, above `TAIL_LAG`: pushes leave `tail` behind, later pushes
/// read past the deferred fills, and one of them must move `tail`, while a
/// second thread takes and returns across those slots.
#[test]
fn deferred_tail_moves_race() {
    model("deferred_tail_moves_race", || {
        const { assert!(5 > TAIL_LAG) };
        let m = Model::<5>::full();
        let held: Vec<Held> = (0..4).map(|_| m.take()).collect();
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..2 {
                    let i = m.take();
                    m.give(i);
                }
            })
        };
        for i in held {
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
                ring.push(1);
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

/// A ring plus a buffer per index that takers read and write without any
/// synchronisation of their own: loom reports a causality violation unless
/// the ring orders each owner's accesses before the next owner's.
struct Buffers<const N: usize> {
    ring: Ring<[Slot; N]>,
    contents: [loom::cell::UnsafeCell<usize>; N],
}

// SAFETY: the ring hands each index to one owner at a time; this is what
// the models check.
unsafe impl<const N: usize> Sync for Buffers<N> {}

impl<const N: usize> Buffers<N> {
    fn full() -> Arc<Self> {
        Arc::new(Self {
            ring: Ring::full(),
            contents: core::array::from_fn(|_| loom::cell::UnsafeCell::new(0)),
        })
    }

    /// Takes an index (waiting while none is free), reads and writes its
    /// buffer, and returns it.
    fn use_one(&self, stamp: usize) {
        let ring: &Ring<[Slot]> = &self.ring;
        let index = loop {
            match ring.pop() {
                Some(popped) => break popped,
                None => thread::yield_now(),
            }
        };
        // SAFETY: the ring handed `index` to this thread alone.
        self.contents[index].with_mut(|buffer| unsafe {
            assert_ne!(*buffer, usize::MAX);
            *buffer = stamp;
        });
        ring.push(index);
    }

    /// Like `use_one`, through `pop_bulk` (up to 2) and `push_bulk`.
    fn use_bulk(&self, stamp: usize) {
        let ring: &Ring<[Slot]> = &self.ring;
        let mut out = [0usize; 2];
        let taken = loop {
            match ring.pop_bulk(&mut out) {
                0 => thread::yield_now(),
                n => break n,
            }
        };
        for &index in &out[..taken] {
            // SAFETY: the ring handed `index` to this thread alone.
            self.contents[index].with_mut(|buffer| unsafe {
                assert_ne!(*buffer, usize::MAX);
                *buffer = stamp;
            });
        }
        ring.push_bulk(&out[..taken]);
    }
}

/// Buffer contents handed over through bulk pops and bulk pushes (the path
/// by which `LocalCache` moves buffers between threads): a `Relaxed` slot
/// load in `claim_run` or a `Relaxed` fill in `fill_run` is caught here.
#[test]
fn buffers_are_published_through_bulk_operations() {
    model("buffers_are_published_through_bulk_operations", || {
        let buffers = Buffers::<2>::full();
        let other = {
            let buffers = buffers.clone();
            thread::spawn(move || buffers.use_bulk(1))
        };
        buffers.use_bulk(2);
        other.join().unwrap();
    });
}

/// One buffer passed back and forth: the second taker must see the first
/// one's write as happened-before.
#[test]
fn one_buffer_is_published_from_owner_to_owner() {
    model("one_buffer_is_published_from_owner_to_owner", || {
        let buffers = Buffers::<1>::full();
        let other = {
            let buffers = buffers.clone();
            thread::spawn(move || buffers.use_one(1))
        };
        buffers.use_one(2);
        other.join().unwrap();
    });
}

/// Two buffers, two rounds each, so the slots lap while contents move.
#[test]
fn buffers_are_published_across_laps() {
    model("buffers_are_published_across_laps", || {
        let buffers = Buffers::<2>::full();
        let other = {
            let buffers = buffers.clone();
            thread::spawn(move || {
                buffers.use_one(1);
                buffers.use_one(2);
            })
        };
        buffers.use_one(3);
        buffers.use_one(4);
        other.join().unwrap();
    });
}

/// `len` observed while a push at the end of a lap races a pop that claims
/// the pushed index before the push steps `tail`: never more than exists.
#[test]
fn len_never_exceeds_the_indices_present() {
    model("len_never_exceeds_the_indices_present", || {
        let ring: Arc<Ring<[Slot; 2]>> = Arc::new(Ring::empty());
        {
            let ring: &Ring<[Slot]> = &*ring;
            ring.push(0);
            assert_eq!(ring.pop(), Some(0));
        }
        let observer = {
            let ring = ring.clone();
            thread::spawn(move || {
                let len = (&*ring as &Ring<[Slot]>).len();
                assert!(len <= 1, "len() = {len}, but at most one index exists");
            })
        };
        let popper = {
            let ring = ring.clone();
            thread::spawn(move || {
                let _ = (&*ring as &Ring<[Slot]>).pop();
            })
        };
        (&*ring as &Ring<[Slot]>).push(1);
        popper.join().unwrap();
        observer.join().unwrap();
    });
}

/// A bulk pop of two and a bulk push race single pops and pushes on a
/// ring of three: no index twice, no false empty, all back.
#[test]
fn bulk_and_single_operations_race() {
    model("bulk_and_single_operations_race", || {
        let m = Model::<3>::full();
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                let i = m.take();
                m.give(i);
            })
        };
        let mut out = [0usize; 2];
        // The other thread holds at most one of three: two are free.
        assert_eq!(m.take_bulk(&mut out), 2);
        m.give_bulk(&out);
        other.join().unwrap();
        m.assert_conserved();
    });
}

/// Two bulk pops race; then both threads bulk-push what they got, lapping
/// a ring of two.
#[test]
fn two_bulk_operations_race_across_a_lap() {
    model("two_bulk_operations_race_across_a_lap", || {
        let m = Model::<2>::full();
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                let mut out = [0usize; 2];
                let taken = m.take_bulk(&mut out);
                m.give_bulk(&out[..taken]);
                taken
            })
        };
        let mut out = [0usize; 1];
        let taken = m.take_bulk(&mut out);
        m.give_bulk(&out[..taken]);
        let other_taken = other.join().unwrap();
        // Together they wanted 3 of 2: at least the first to run got some.
        assert!(taken + other_taken >= 1);
        m.assert_conserved();
    });
}
