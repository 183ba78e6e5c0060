//! Single-threaded behaviour of the ring, checked against a `VecDeque`.

use super::*;
use std::collections::VecDeque;
use std::vec::Vec;

fn drain(ring: &Ring<[Slot]>) -> Vec<usize> {
    core::iter::from_fn(|| ring.pop()).collect()
}

#[test]
fn full_ring_is_all_zero_and_yields_every_index_in_order() {
    let ring = Ring::<[Slot; 5]>::full();
    assert_eq!(ring.head.load(Ordering::Relaxed), 0);
    assert_eq!(ring.tail.load(Ordering::Relaxed), 0);
    assert!(ring.slots.iter().all(|s| s.load(Ordering::Relaxed) == 0));
    let ring: &Ring<[Slot]> = &ring;
    assert_eq!(ring.len(), 5);
    assert_eq!(drain(ring), [0, 1, 2, 3, 4]);
    assert_eq!(ring.len(), 0);
}

#[test]
fn empty_ring_pops_nothing_until_pushed() {
    let ring = Ring::<[Slot; 4]>::empty();
    let ring: &Ring<[Slot]> = &ring;
    assert_eq!(ring.len(), 0);
    assert_eq!(ring.pop(), None);
    ring.push(2);
    assert_eq!(ring.len(), 1);
    assert_eq!(ring.pop(), Some(2));
    assert_eq!(ring.pop(), None);
}

#[test]
fn a_ring_stays_empty_until_a_push_even_one_popped_again() {
    let ring = Ring::<[Slot; 2]>::empty();
    let ring: &Ring<[Slot]> = &ring;
    for lap in 0..5 {
        let seen = ring.pop_or_empty().expect_err("empty");
        assert!(ring.still_empty(seen), "lap {lap}: nothing came in");
        ring.push(lap % 2);
        assert!(!ring.still_empty(seen), "lap {lap}: a push came in");
        assert_eq!(ring.pop(), Some(lap % 2));
        assert!(!ring.still_empty(seen), "lap {lap}: empty again, but later");
    }
}

#[test]
fn capacity_one_ring_laps_many_times() {
    let ring = Ring::<[Slot; 1]>::full();
    let ring: &Ring<[Slot]> = &ring;
    for _ in 0..1000 {
        assert_eq!(ring.pop(), Some(0));
        assert_eq!(ring.pop(), None);
        ring.push(0);
    }
}

/// A deterministic generator, so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn matches_fifo_model<const N: usize>(seed: u64) {
    let ring = Ring::<[Slot; N]>::full();
    let ring: &Ring<[Slot]> = &ring;
    let mut model: VecDeque<usize> = (0..N).collect();
    let mut held: Vec<usize> = Vec::new();
    let mut rng = Lcg(seed);
    for _ in 0..20 * N + 200 {
        if rng.below(2) == 0 {
            let taken = ring.pop();
            assert_eq!(taken, model.pop_front());
            held.extend(taken);
        } else if !held.is_empty() {
            let i = held.swap_remove(rng.below(held.len()));
            ring.push(i);
            model.push_back(i);
        }
        assert_eq!(ring.len(), model.len());
    }
    let mut rest = drain(ring);
    rest.sort_unstable();
    let mut expected: Vec<usize> = model.into_iter().collect();
    expected.sort_unstable();
    assert_eq!(rest, expected);
}

#[test]
fn random_sequences_match_a_fifo_model_across_laps() {
    for seed in 0..8 {
        matches_fifo_model::<1>(seed);
        matches_fifo_model::<2>(seed);
        matches_fifo_model::<3>(seed);
        matches_fifo_model::<8>(seed);
        matches_fifo_model::<13>(seed);
    }
}

#[test]
fn tags_survive_pops_and_pushes_of_their_slot() {
    let ring = Ring::<[Slot; 4]>::full();
    let ring: &Ring<[Slot]> = &ring;
    assert!(!ring.set_tag(1));
    assert!(ring.set_tag(1));
    for _ in 0..10 {
        let taken = drain(ring);
        for i in taken {
            ring.push(i);
        }
    }
    assert_eq!(ring.len(), 4);
    assert!(ring.clear_tag(1));
    assert!(!ring.clear_tag(1));
    assert!(!ring.clear_tag(0));
}

#[test]
fn geometry_round_trips_indices_at_every_position() {
    for capacity in [1usize, 2, 3, 4, 5, 1000, 1024, 1025] {
        let geometry = Geometry::of(capacity);
        for position in [0, capacity / 2, capacity - 1] {
            for index in [0, capacity / 3, capacity - 1] {
                for cycle in [0, 1, 7, Word::MAX] {
                    let entry = geometry.entry(cycle, position, index);
                    assert!(geometry.is_lap(entry, cycle));
                    assert!(geometry.is_lap(entry | TAG, cycle));
                    assert!(!geometry.is_lap(entry, cycle.wrapping_add(1)));
                    assert!(!geometry.is_lap(entry, cycle.wrapping_sub(1)));
                    assert_eq!(geometry.index(entry, position), index);
                    assert_eq!(geometry.index(entry | TAG, position), index);
                }
            }
        }
    }
}

/// `advance` steps to the next position, into the next lap after the last
/// position, and wraps the cursor's cycle field to 0 at its end (the
/// power-of-two shortcut agrees with the general rule); `laps_ahead` tells
/// an entry of the cursor's lap, the next one and the one before.
#[test]
fn cursors_step_and_compare_across_the_cycle_wrap() {
    for capacity in [1usize, 2, 3, 4, 5, 1000, 1024, 1025] {
        let geometry = Geometry::of(capacity);
        let k = geometry.index_bits;
        let last = Word::MAX >> k;
        let positions = [0, 1, capacity / 2, capacity.saturating_sub(2), capacity - 1];
        for cycle in [0, 1, last - 1, last] {
            for position in positions.into_iter().filter(|&p| p < capacity) {
                let cursor = cycle << k | position as Word;
                let expected = if position + 1 < capacity {
                    cursor + 1
                } else {
                    cycle.wrapping_add(1) << k
                };
                assert_eq!(
                    geometry.advance(cursor),
                    expected,
                    "{capacity}: {cursor:#x}"
                );
                let entry = |cycle: Word| geometry.entry(cycle, position, 0);
                assert_eq!(geometry.laps_ahead(entry(cycle), cursor), 0);
                assert_eq!(geometry.laps_ahead(entry(cycle.wrapping_add(1)), cursor), 1);
                let before = entry(cycle.wrapping_sub(1));
                assert_eq!(geometry.laps_ahead(before, cursor), geometry.lap_behind());
                assert_eq!(
                    geometry.laps_ahead(before | TAG, cursor),
                    geometry.lap_behind()
                );
            }
        }
    }
}

/// A push that filled the last slot of a lap but has not moved `tail`,
/// while a pop claims that very index and moves `head` into the next lap:
/// `head` is then ahead of the stored `tail`, and the ring is empty.
#[test]
fn len_is_zero_when_head_is_ahead_of_a_lagging_tail() {
    let ring = Ring::<[Slot; 2]>::empty();
    let ring: &Ring<[Slot]> = &ring;
    ring.push(0);
    assert_eq!(ring.pop(), Some(0));
    // Do the fill half of `push(1)` at position 1 by hand, without moving
    // `tail`.
    let geometry = ring.geometry();
    let free = ring.next_free(geometry).unwrap();
    let (cycle, position) = (
        geometry.cycle(free.cursor).wrapping_add(1),
        geometry.position(free.cursor),
    );
    assert_eq!(position, 1);
    let slot = &ring.slots[position];
    assert!(geometry.is_lap(slot.load(Ordering::Relaxed), cycle.wrapping_sub(1)));
    slot.store(geometry.entry(cycle, position, 1), Ordering::Relaxed);
    assert_eq!(ring.pop(), Some(1));
    assert_eq!(ring.len(), 0);
    assert_eq!(ring.pop(), None);
    ring.push(1);
    assert_eq!(ring.len(), 1);
}

/// A full ring whose cursors and slots are on lap `lap`.
fn full_ring_at_lap<const N: usize>(lap: Word) -> Ring<[Slot; N]> {
    let ring = Ring::<[Slot; N]>::full();
    let geometry = Geometry::of(N);
    // Full: the true tail is a lap ahead of `head`, and the stored tail is
    // one lap behind the true one, so both read `(lap, 0)`.
    ring.head
        .store(lap << geometry.index_bits, Ordering::Relaxed);
    ring.tail
        .store(lap << geometry.index_bits, Ordering::Relaxed);
    for (position, slot) in ring.slots.iter().enumerate() {
        slot.store(geometry.entry(lap, position, position), Ordering::Relaxed);
    }
    ring
}

/// Starts a full ring at lap `lap` and checks FIFO behaviour and `len`
/// against a model from there.
fn matches_fifo_model_from_lap<const N: usize>(seed: u64, lap: Word) {
    let ring = full_ring_at_lap::<N>(lap);
    let ring: &Ring<[Slot]> = &ring;
    let mut model: VecDeque<usize> = (0..N).collect();
    let mut held: Vec<usize> = Vec::new();
    let mut rng = Lcg(seed);
    for _ in 0..10 * N + 100 {
        if rng.below(2) == 0 || held.is_empty() {
            let taken = ring.pop();
            assert_eq!(taken, model.pop_front(), "lap {lap:#x}");
            held.extend(taken);
        } else {
            let i = held.swap_remove(rng.below(held.len()));
            ring.push(i);
            model.push_back(i);
        }
        assert_eq!(ring.len(), model.len(), "lap {lap:#x}");
    }
}

/// Laps just before the cursor's and the slot's cycle fields wrap.
fn wrap_laps<const N: usize>() -> [Word; 4] {
    let index_bits = Geometry::of(N).index_bits;
    let last_cursor_cycle = Word::MAX >> index_bits;
    let last_slot_cycle = Word::MAX >> (index_bits + FLAG_BITS);
    [
        last_cursor_cycle - 2,
        last_cursor_cycle,
        last_slot_cycle - 1,
        last_slot_cycle,
    ]
}

fn crosses_every_wrap<const N: usize>() {
    for seed in 0..3 {
        for lap in wrap_laps::<N>() {
            matches_fifo_model_from_lap::<N>(seed, lap);
            bulk_matches_fifo_model::<N>(seed, lap);
        }
    }
}

/// The cursor's and the slot's cycle fields wrap around without a hiccup.
#[test]
fn cycle_fields_wrap_cleanly() {
    crosses_every_wrap::<1>();
    crosses_every_wrap::<2>();
    crosses_every_wrap::<3>();
    crosses_every_wrap::<4>();
    crosses_every_wrap::<5>();
    crosses_every_wrap::<13>();
    crosses_every_wrap::<37>();
    if !cfg!(miri) {
        crosses_every_wrap::<1000>();
    }
}

/// Real threads on tiny rings, so slots lap all the time, while another
/// thread flips tags on every slot: no index held twice, no false empty
/// with fewer threads than indices, every index back at the end.
fn tiny_ring_stress<const N: usize>(threads: usize, rounds: usize) {
    use std::sync::atomic::{AtomicBool, AtomicUsize};

    let ring = Ring::<[Slot; N]>::full();
    let held: [AtomicBool; N] = core::array::from_fn(|_| AtomicBool::new(false));
    let (stop, empties) = (AtomicBool::new(false), AtomicUsize::new(0));
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let ring: &Ring<[Slot]> = &ring;
            for position in (0..N).cycle() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                assert!(!ring.set_tag(position));
                assert!(ring.clear_tag(position));
            }
        });
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let ring: &Ring<[Slot]> = &ring;
                    for _ in 0..rounds {
                        let Some(i) = ring.pop() else {
                            empties.fetch_add(1, Ordering::Relaxed);
                            continue;
                        };
                        assert!(!held[i].swap(true, Ordering::AcqRel), "{i} held twice");
                        assert!(held[i].swap(false, Ordering::AcqRel));
                        ring.push(i);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
    let mut all = drain(&ring);
    all.sort_unstable();
    assert_eq!(all, (0..N).collect::<Vec<_>>());
    if threads < N {
        assert_eq!(empties.load(Ordering::Relaxed), 0, "false empty");
    }
}

#[test]
fn tiny_rings_under_threads_and_tag_flips_keep_every_invariant() {
    let rounds = if cfg!(miri) { 50 } else { 200_000 };
    tiny_ring_stress::<1>(2, rounds);
    tiny_ring_stress::<2>(1, rounds);
    tiny_ring_stress::<2>(2, rounds);
    tiny_ring_stress::<3>(2, rounds);
    tiny_ring_stress::<3>(4, rounds);
    tiny_ring_stress::<5>(4, rounds);
}

/// Bulk pops and pushes of random sizes, mixed with single ones, match the
/// FIFO model exactly, starting from lap `lap` (`cycle_fields_wrap_cleanly`
/// runs it across the wraps of the cycle fields).
fn bulk_matches_fifo_model<const N: usize>(seed: u64, lap: Word) {
    let ring = full_ring_at_lap::<N>(lap);
    let ring: &Ring<[Slot]> = &ring;
    let mut model: VecDeque<usize> = (0..N).collect();
    let mut held: Vec<usize> = Vec::new();
    let mut rng = Lcg(seed);
    let mut out = [0usize; 40];
    for _ in 0..10 * N + 100 {
        match rng.below(4) {
            0 => {
                let want = rng.below(out.len() + 1);
                let taken = ring.pop_bulk(&mut out[..want]);
                let expected: Vec<usize> = (0..want).map_while(|_| model.pop_front()).collect();
                assert_eq!(out[..taken], expected[..], "lap {lap:#x}");
                held.extend_from_slice(&out[..taken]);
            }
            1 if !held.is_empty() => {
                let count = 1 + rng.below(held.len());
                let start = rng.below(held.len() - count + 1);
                let returned: Vec<usize> = held.drain(start..start + count).collect();
                ring.push_bulk(&returned);
                model.extend(&returned);
            }
            2 => {
                let taken = ring.pop();
                assert_eq!(taken, model.pop_front());
                held.extend(taken);
            }
            _ if !held.is_empty() => {
                let i = held.swap_remove(rng.below(held.len()));
                ring.push(i);
                model.push_back(i);
            }
            _ => {}
        }
        assert_eq!(ring.len(), model.len(), "lap {lap:#x}");
    }
}

#[test]
fn bulk_operations_match_a_fifo_model() {
    for seed in 0..4 {
        for lap in [0, Word::MAX >> 12, Word::MAX >> 2] {
            bulk_matches_fifo_model::<1>(seed, lap >> 1);
            bulk_matches_fifo_model::<3>(seed, lap >> 2);
            bulk_matches_fifo_model::<32>(seed, lap >> 5);
            bulk_matches_fifo_model::<37>(seed, lap >> 6);
        }
    }
}

/// Threads mixing bulk and single operations on small rings.
#[test]
fn bulk_and_single_operations_share_a_ring_under_threads() {
    use std::sync::atomic::AtomicBool;

    const N: usize = 16;
    let rounds = if cfg!(miri) { 20 } else { 50_000 };
    let ring = Ring::<[Slot; N]>::full();
    let held: [AtomicBool; N] = core::array::from_fn(|_| AtomicBool::new(false));
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let (ring, held) = (&ring, &held);
            scope.spawn(move || {
                let ring: &Ring<[Slot]> = ring;
                let mut out = [0usize; 3];
                for round in 0..rounds {
                    // 4 threads × at most 3 held < 16: never a false empty.
                    let taken = if (round + thread) % 2 == 0 {
                        ring.pop_bulk(&mut out)
                    } else {
                        out[0] = ring.pop().expect("false empty");
                        1
                    };
                    assert_eq!(taken, if (round + thread) % 2 == 0 { 3 } else { 1 });
                    for &i in &out[..taken] {
                        assert!(!held[i].swap(true, Ordering::AcqRel), "{i} held twice");
                    }
                    for &i in &out[..taken] {
                        assert!(held[i].swap(false, Ordering::AcqRel));
                    }
                    if round % 3 == 0 {
                        ring.push_bulk(&out[..taken]);
                    } else {
                        for &i in &out[..taken] {
                            ring.push(i);
                        }
                    }
                }
            });
        }
    });
    let mut all = drain(&ring);
    all.sort_unstable();
    assert_eq!(all, (0..N).collect::<Vec<_>>());
}

/// A bulk push that took its slots and stalls before moving `tail` (an
/// interrupt, a preemption) leaves every other push able to go on: it
/// filled at most a lap past the stored `tail`, so a push reads past its
/// slots and moves `tail` itself. (Filling a whole burst of 8 after one
/// deferred fill would have put the slot at the stored `tail` a lap
/// further on, and every push would have retried until the stalled one
/// ran again.)
#[test]
fn a_push_goes_on_while_a_bulk_push_is_stalled_before_its_tail_move() {
    let ring = Ring::<[Slot; 8]>::full();
    let ring: &Ring<[Slot]> = &ring;
    let geometry = ring.geometry();
    let mut held = drain(ring);
    ring.push(held.pop().unwrap()); // its `tail` move is deferred
    held.push(ring.pop().unwrap()); // the ring is empty again
    let (free, _, filled) = ring.fill_slots(&held, geometry).unwrap();
    assert_eq!((free.skipped, filled), (1, 7), "a lap past the stored tail");
    // The stalled bulk push never moves `tail`. Another context takes a
    // buffer and returns it: its push must find a slot by itself.
    let got = ring.pop().unwrap();
    let found = (0..geometry.capacity).any(|_| ring.next_free(geometry).is_some());
    assert!(found, "a push is held up by a stalled bulk push");
    ring.push(got);
    ring.push_bulk(&held[filled..]); // the rest of the burst, later
    assert_eq!(ring.len(), 8);
    let mut all = drain(ring);
    all.sort_unstable();
    assert_eq!(all, (0..8).collect::<Vec<_>>());
}
