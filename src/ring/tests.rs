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
                    let entry = geometry.full(cycle, position, index);
                    assert!(geometry.is_full(entry, cycle));
                    assert!(!geometry.is_full(entry, cycle.wrapping_add(1)));
                    assert!(!geometry.is_empty(entry, cycle));
                    assert_eq!(geometry.index(entry, position), index);
                    assert!(geometry.is_empty(geometry.empty(cycle), cycle));
                }
            }
        }
    }
}
