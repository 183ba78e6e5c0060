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
    ring.push(2).unwrap();
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
        ring.push(lap % 2).unwrap();
        assert!(!ring.still_empty(seen), "lap {lap}: a push came in");
        assert_eq!(ring.pop(), Some(lap % 2));
        assert!(!ring.still_empty(seen), "lap {lap}: empty again, but later");
    }
}

#[test]
fn push_onto_a_full_ring_overflows_and_changes_nothing() {
    let ring = Ring::<[Slot; 3]>::full();
    let ring: &Ring<[Slot]> = &ring;
    assert_eq!(ring.push(1), Err(Overflow));
    assert_eq!(ring.len(), 3);
    assert_eq!(drain(ring), [0, 1, 2]);
}

#[test]
fn capacity_one_ring_laps_many_times() {
    let ring = Ring::<[Slot; 1]>::full();
    let ring: &Ring<[Slot]> = &ring;
    for _ in 0..1000 {
        assert_eq!(ring.pop(), Some(0));
        assert_eq!(ring.pop(), None);
        ring.push(0).unwrap();
        assert_eq!(ring.push(0), Err(Overflow));
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
            ring.push(i).unwrap();
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
            ring.push(i).unwrap();
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

#[test]
fn cursor_order_holds_across_the_cycle_wrap() {
    for capacity in [1usize, 3, 1024] {
        let geometry = Geometry::of(capacity);
        let last = (Word::MAX >> geometry.index_bits) << geometry.index_bits;
        let cursors = [0, 1, last, last + (capacity as Word - 1)];
        for &a in &cursors {
            let mut b = a;
            for _ in 0..2 * capacity {
                let next = geometry.advance(b);
                assert!(geometry.precedes(b, next), "{b:#x} -> {next:#x}");
                assert!(!geometry.precedes(next, b));
                assert!(!geometry.precedes(b, b));
                assert!(geometry.precedes(a, next));
                b = next;
            }
        }
    }
}

/// The cursor `(cycle, position)`, the cycle taken modulo its field.
fn cursor_at(geometry: Geometry, cycle: Word, position: usize) -> Word {
    (cycle & (Word::MAX >> geometry.index_bits)) << geometry.index_bits | position as Word
}

/// Cursors around lap boundaries over `laps` laps from `(cycle, 0)`, each
/// with its step count from there: every position for small rings, the
/// first and last three of each lap for large ones.
fn cursors_around_laps(geometry: Geometry, cycle: Word, laps: usize) -> Vec<(usize, Word)> {
    let n = geometry.capacity;
    let positions: Vec<usize> = if n <= 16 {
        (0..n).collect()
    } else {
        [0, 1, 2, n - 3, n - 2, n - 1].into()
    };
    let mut cursors = Vec::new();
    for lap in 0..laps {
        for &position in &positions {
            let cursor = cursor_at(geometry, cycle.wrapping_add(lap as Word), position);
            cursors.push((lap * n + position, cursor));
        }
    }
    cursors
}

/// Whether `passed` should believe a hint `ahead` steps ahead of the
/// cursor: when, modulo the 32-bit cut's period (`2^(32-k)` laps), it is
/// one step to one lap ahead (the module docs' window and bound).
fn believed(geometry: Geometry, ahead: i128) -> bool {
    let laps_per_cut = 1i128 << (32 - geometry.index_bits);
    let period = laps_per_cut * geometry.capacity as i128;
    (1..=geometry.capacity as i128).contains(&ahead.rem_euclid(period))
}

/// The laps in the cut's cycle field, as a `Word` (wrapping where the cut
/// is the whole word, on 32-bit targets: cycles are taken modulo anyway).
fn cut_period_laps(geometry: Geometry) -> Word {
    (1 as Word)
        .checked_shl(32 - geometry.index_bits)
        .unwrap_or(0)
}

/// `passed` believes a hint exactly in the window of every valid proof (one
/// step to one lap ahead of the cursor) and, beyond it, only a whole cut
/// period late: every pair of cursors around the boundaries of 4 laps, at
/// capacities 1 to the maximum, across the wrap of the 32-bit cut and of
/// the full cursor.
#[test]
fn head_hints_are_believed_only_within_one_lap_ahead() {
    for capacity in [
        1usize,
        2,
        3,
        5,
        8,
        13,
        1000,
        1024,
        MAX_CAPACITY / 2 + 1,
        MAX_CAPACITY,
    ] {
        let geometry = Geometry::of(capacity);
        let full_period_last = Word::MAX >> geometry.index_bits;
        for start in [
            0,
            cut_period_laps(geometry).wrapping_sub(2),
            full_period_last - 1,
        ] {
            let cursors = cursors_around_laps(geometry, start, 4);
            for &(step_a, a) in &cursors {
                for &(step_b, b) in &cursors {
                    let ahead = step_b as i128 - step_a as i128;
                    assert_eq!(
                        geometry.passed(a, HeadHint::of(b)),
                        believed(geometry, ahead),
                        "capacity {capacity}: cursor {a:#x}, hint {b:#x} ({ahead} steps ahead)"
                    );
                }
            }
        }
    }
}

/// Stale hints, many laps behind the cursor, are believed exactly when
/// they are a whole cut period late to within the window; the limit is
/// pinned with one case that is believed.
#[test]
fn stale_head_hints_are_believed_only_a_whole_cut_period_late() {
    for capacity in [1usize, 3, 1024, MAX_CAPACITY / 2 + 1, MAX_CAPACITY] {
        let geometry = Geometry::of(capacity);
        let period = cut_period_laps(geometry);
        let cycle = period.wrapping_mul(3).wrapping_add(7);
        let position = capacity / 2;
        let cursor = cursor_at(geometry, cycle, position);
        let laps = [
            1,
            2,
            3,
            17,
            period / 2,
            period.wrapping_sub(2),
            period.wrapping_sub(1),
        ];
        for laps_behind in laps.into_iter().chain([period, period.wrapping_add(2)]) {
            for hint_position in [0, position, capacity - 1, (position + 1) % capacity] {
                let hint = cursor_at(geometry, cycle.wrapping_sub(laps_behind), hint_position);
                let ahead = hint_position as i128
                    - position as i128
                    - i128::from(laps_behind) * capacity as i128;
                assert_eq!(
                    geometry.passed(cursor, HeadHint::of(hint)),
                    believed(geometry, ahead),
                    "capacity {capacity}: a hint {laps_behind} laps behind, at {hint_position}"
                );
            }
        }
        // One lap short of a whole period behind is one lap ahead once cut.
        let hint = cursor_at(geometry, cycle.wrapping_sub(period.wrapping_sub(1)), 0);
        assert!(geometry.passed(cursor, HeadHint::of(hint)));
    }
}

/// A push that filled the last slot of a lap but has not moved `tail`,
/// while a pop claims that very index and moves `head` into the next lap:
/// `head` is then ahead of the stored `tail`, and the ring is empty.
#[test]
fn len_is_zero_when_head_is_ahead_of_a_lagging_tail() {
    let ring = Ring::<[Slot; 2]>::empty();
    let ring: &Ring<[Slot]> = &ring;
    ring.push(0).unwrap();
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
    ring.push(1).unwrap();
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

/// Starts a full ring at lap `lap` and checks FIFO behaviour, `len` and
/// overflow against a model from there. Indices go back with the `head`
/// hint of their pop (as guards return them) or without one; a push into
/// the full ring must still overflow with the newest hint there is and
/// with one two laps stale.
fn matches_fifo_model_from_lap<const N: usize>(seed: u64, lap: Word) {
    let ring = full_ring_at_lap::<N>(lap);
    let ring: &Ring<[Slot]> = &ring;
    let mut model: VecDeque<usize> = (0..N).collect();
    let mut held: Vec<(usize, HeadHint)> = Vec::new();
    let mut hints = vec![ring.head_hint()]; // every pop's, oldest first
    let mut rng = Lcg(seed);
    for _ in 0..10 * N + 100 {
        if rng.below(2) == 0 {
            let taken = ring.pop_hinted();
            assert_eq!(taken.map(|(i, _)| i), model.pop_front(), "lap {lap:#x}");
            if let Some((i, hint)) = taken {
                held.push((i, hint));
                hints.push(hint);
            }
        } else if let Some((i, hint)) =
            (!held.is_empty()).then(|| held.swap_remove(rng.below(held.len())))
        {
            if rng.below(2) == 0 {
                ring.push_hinted(i, hint).unwrap();
            } else {
                ring.push(i).unwrap();
            }
            model.push_back(i);
        } else {
            assert_eq!(ring.push(0), Err(Overflow), "lap {lap:#x}");
            let newest = hints[hints.len() - 1];
            assert_eq!(ring.push_hinted(0, newest), Err(Overflow), "lap {lap:#x}");
            if let Some(i) = hints.len().checked_sub(2 * N + 1) {
                assert_eq!(ring.push_hinted(0, hints[i]), Err(Overflow), "lap {lap:#x}");
            }
            assert_eq!(ring.push_hinted(0, ring.head_hint()), Err(Overflow));
        }
        assert_eq!(ring.len(), model.len(), "lap {lap:#x}");
    }
}

/// The case an independent review found in the first version of the hint
/// (believed anywhere in half the cut range): a full ring far from lap 0,
/// and a return carrying the hint every ring starts with. It must report
/// the overflow, not fill the slot `head` still points at.
#[test]
fn an_old_hint_does_not_hide_an_overflow() {
    let ring = full_ring_at_lap::<4>((1 << 29) + 5);
    let ring: &Ring<[Slot]> = &ring;
    assert_eq!(ring.push_hinted(1, HeadHint::ORIGIN), Err(Overflow));
    assert_eq!(ring.len(), 4);
    assert_eq!(drain(ring), [0, 1, 2, 3]);
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
                        ring.push(i).expect("a held index overflowed");
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
                ring.push_bulk(&returned).unwrap();
                model.extend(&returned);
            }
            2 => {
                let taken = ring.pop();
                assert_eq!(taken, model.pop_front());
                held.extend(taken);
            }
            _ if !held.is_empty() => {
                let i = held.swap_remove(rng.below(held.len()));
                ring.push(i).unwrap();
                model.push_back(i);
            }
            _ => assert_eq!(ring.push_bulk(&[0]), Err(Overflow)),
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

#[test]
fn a_bulk_push_into_a_full_ring_overflows() {
    let ring = Ring::<[Slot; 4]>::full();
    let ring: &Ring<[Slot]> = &ring;
    let mut out = [0; 2];
    assert_eq!(ring.pop_bulk(&mut out), 2);
    ring.push_bulk(&out).unwrap();
    assert_eq!(ring.push_bulk(&[1]), Err(Overflow));
    assert_eq!(ring.len(), 4);
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
                        ring.push_bulk(&out[..taken]).unwrap();
                    } else {
                        for &i in &out[..taken] {
                            ring.push(i).unwrap();
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
