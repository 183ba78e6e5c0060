//! Single-threaded behaviour of the hot slot, alone and in front of a ring.

use super::*;
use std::vec::Vec;

/// The slot's raw word.
fn word(hot: &HotSlot) -> Word {
    hot.0.load(Ordering::Relaxed)
}

#[test]
fn a_new_slot_is_all_zero_and_empty() {
    let hot = HotSlot::new();
    assert_eq!(word(&hot), 0);
    assert!(!hot.is_full());
    assert_eq!(hot.take(), None);
    assert_eq!(word(&hot), 0, "taking from an empty slot leaves it empty");
}

#[test]
fn an_offer_fills_an_empty_slot_and_a_take_empties_it() {
    let hot = HotSlot::new();
    assert!(hot.offer(7));
    assert!(hot.is_full());
    assert_eq!(word(&hot), 8);
    assert_eq!(hot.take(), Some(7));
    assert_eq!(word(&hot), 0);
    assert_eq!(hot.take(), None);
}

#[test]
fn an_offer_into_a_full_slot_changes_nothing() {
    let hot = HotSlot::new();
    assert!(hot.offer(0));
    assert!(!hot.offer(1));
    assert_eq!(word(&hot), 1);
    assert_eq!(hot.take(), Some(0));
}

#[test]
fn the_largest_index_fits() {
    let largest = crate::ring::MAX_CAPACITY - 1;
    let hot = HotSlot::new();
    assert!(hot.offer(largest));
    assert_eq!(hot.take(), Some(largest));
}

#[test]
fn a_get_takes_back_the_buffer_returned_last() {
    let ring = Ring::<[Slot; 4]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let (first, source) = take_index(&hot, ring).unwrap();
    assert_eq!(first, 0);
    assert!(matches!(source, Source::Ring(_)));
    let (second, _) = take_index(&hot, ring).unwrap();
    give_index(&hot, ring, second, source).unwrap();
    give_index(&hot, ring, first, source).unwrap();
    // `second` went to the hot slot, `first` (slot full) to the ring.
    let (again, source) = take_index(&hot, ring).unwrap();
    assert_eq!(again, second);
    assert!(matches!(source, Source::Hot));
    let order: Vec<usize> = core::iter::from_fn(|| take_index(&hot, ring))
        .map(|(index, _)| index)
        .collect();
    assert_eq!(order, [2, 3, first]);
}

/// A buffer held for long (an I/O in flight) does not stall the slot: the
/// slot keeps serving the get-return loop around it. (A design whose slot
/// only its last taker may refill, which would make a return one plain
/// store, fails this: every get would go to the ring while the held buffer
/// is out. See "Why not a plain store" in the module docs.)
#[test]
fn a_held_buffer_does_not_stall_the_slot() {
    let ring = Ring::<[Slot; 8]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let (first, source) = take_index(&hot, ring).unwrap();
    give_index(&hot, ring, first, source).unwrap(); // into the slot
    let _held = take_index(&hot, ring).unwrap(); // from the slot, kept
    let (reused, source) = take_index(&hot, ring).unwrap(); // from the ring
    give_index(&hot, ring, reused, source).unwrap();
    for _ in 0..3 * 8 {
        let (index, source) = take_index(&hot, ring).unwrap();
        assert_eq!(index, reused, "the get went past the slot");
        assert!(matches!(source, Source::Hot));
        give_index(&hot, ring, index, source).unwrap();
    }
}

#[test]
fn the_pool_is_empty_only_when_ring_and_slot_both_are() {
    let ring = Ring::<[Slot; 2]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let (a, source_a) = take_index(&hot, ring).unwrap();
    let (b, source_b) = take_index(&hot, ring).unwrap();
    assert!(take_index(&hot, ring).is_none());
    assert_eq!(available(&hot, ring), 0);
    give_index(&hot, ring, a, source_a).unwrap();
    assert_eq!((ring.len(), available(&hot, ring)), (0, 1));
    let (taken, source) = take_index(&hot, ring).expect("the hot slot's buffer");
    assert_eq!(taken, a);
    give_index(&hot, ring, b, source_b).unwrap();
    give_index(&hot, ring, a, source).unwrap();
    assert_eq!((ring.len(), available(&hot, ring)), (1, 2));
}

/// Runs `take_index`, calling `others` once, just before `step`.
fn take_index_with(
    hot: &HotSlot,
    ring: &Ring<[Slot]>,
    step: Next,
    others: impl FnOnce(),
) -> Option<(usize, Source)> {
    let mut others = Some(others);
    take_index_between(hot, ring, |now| {
        if now == step
            && let Some(move_others) = others.take()
        {
            move_others();
        }
    })
}

/// The first race the second take exists for: after a get found the slot
/// empty, another get drains the ring and a return refills the slot. (The
/// pool is empty for a moment here, between the drain and the return, so
/// `None` would keep the contract; this pins the stronger property that a
/// buffer in the slot at the second take is found. The test below stages
/// the same race with the pool never empty.)
#[test]
fn a_get_finds_a_buffer_offered_while_it_looked_at_the_ring() {
    let ring = Ring::<[Slot; 2]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let held = take_index(&hot, ring).unwrap(); // index 0; index 1 is free
    let mut drained = None;
    let got = take_index_with(&hot, ring, Next::Pop, || {
        drained = take_index(&hot, ring); // index 1, the ring's last
        give_index(&hot, ring, held.0, held.1).unwrap(); // index 0, to the slot
    });
    assert_eq!(got.map(|(index, _)| index), Some(0), "reported empty");
    assert_eq!(drained.map(|(index, _)| index), Some(1));
}

/// The race the ring's check exists for: after the get's pop found the
/// ring empty, two returns come in (the first fills the slot, so the second
/// goes to the ring) and another get takes the slot's. The second take then
/// finds the slot empty, but the ring is not. (Every buffer is held at the
/// get's pop, so `None` would keep the contract; this pins the stronger
/// property. The test below stages the race with the pool never empty.)
#[test]
fn a_get_finds_a_buffer_that_reached_the_ring_after_its_pop() {
    let ring = Ring::<[Slot; 3]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let a = take_index(&hot, ring).unwrap();
    let b = take_index(&hot, ring).unwrap();
    let _c = take_index(&hot, ring).unwrap(); // the pool is empty now
    let mut other = None;
    let got = take_index_with(&hot, ring, Next::SecondTake, || {
        give_index(&hot, ring, a.0, a.1).unwrap(); // to the slot
        give_index(&hot, ring, b.0, b.1).unwrap(); // to the ring
        other = take_index(&hot, ring); // the slot's
    });
    assert_eq!(other.map(|(index, _)| index), Some(a.0));
    assert_eq!(got.map(|(index, _)| index), Some(b.0), "reported empty");
}

/// The first race with the pool never empty: a second get `G2` finds the
/// slot empty, then a return fills the slot before `G2` pops the ring's
/// last. The get under test, stalled after its own take, must find the
/// slot's buffer.
#[test]
fn no_false_empty_when_the_slot_refills_before_the_ring_drains() {
    let ring = Ring::<[Slot; 2]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let held = take_index(&hot, ring).unwrap(); // index 0; index 1 is free
    let mut g2 = None;
    let got = take_index_with(&hot, ring, Next::Pop, || {
        g2 = take_index_with(&hot, ring, Next::Pop, || {
            give_index(&hot, ring, held.0, held.1).unwrap(); // to the slot
        });
    });
    assert_eq!(g2.map(|(index, _)| index), Some(1), "the ring's last");
    assert_eq!(got.map(|(index, _)| index), Some(0), "false empty");
}

/// The second race with the pool never empty: the ring is empty only while
/// the slot is full, and the slot empty only while the ring is not. The get
/// under test finds the ring empty, then the slot empty, and must look
/// again.
#[test]
fn no_false_empty_when_the_ring_refills_before_the_slot_drains() {
    let ring = Ring::<[Slot; 3]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let a = take_index(&hot, ring).unwrap(); // index 0
    let c = take_index(&hot, ring).unwrap(); // index 1; index 2 is free
    let (mut g2, mut g3) = (None, None);
    let got = take_index_between(&hot, ring, |step| match step {
        Next::Pop if g2.is_none() => {
            // G2 finds the slot empty, `a` comes back to the slot, G2 pops 2.
            g2 = take_index_with(&hot, ring, Next::Pop, || {
                give_index(&hot, ring, a.0, a.1).unwrap();
            });
        }
        Next::SecondTake if g3.is_none() => {
            give_index(&hot, ring, c.0, c.1).unwrap(); // slot full: to the ring
            g3 = take_index(&hot, ring); // `a`, from the slot
        }
        _ => {}
    });
    assert_eq!(g2.map(|(index, _)| index), Some(2));
    assert_eq!(g3.map(|(index, _)| index), Some(a.0));
    assert_eq!(got.map(|(index, _)| index), Some(c.0), "false empty");
}

/// A return that reaches the slot after the second take leaves the pool
/// empty at that take's instant: reporting empty is then true, and a later
/// get finds the buffer.
#[test]
fn a_return_after_the_second_take_may_be_missed_but_is_not_lost() {
    let ring = Ring::<[Slot; 1]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let held = take_index(&hot, ring).unwrap();
    let got = take_index_with(&hot, ring, Next::Check, || {
        give_index(&hot, ring, held.0, held.1).unwrap(); // to the slot
    });
    assert!(got.is_none());
    assert_eq!(take_index(&hot, ring).map(|(index, _)| index), Some(held.0));
}

/// And when nothing came in, empty is the answer, after one look at each
/// step.
#[test]
fn a_get_reports_empty_when_nothing_came_in() {
    let ring = Ring::<[Slot; 1]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let _held = take_index(&hot, ring).unwrap();
    let mut steps = Vec::new();
    assert!(take_index_between(&hot, ring, |step| steps.push(step)).is_none());
    assert_eq!(steps, [Next::Pop, Next::SecondTake, Next::Check]);
}

#[test]
fn a_return_from_the_slot_falls_back_to_the_ring_when_refilled() {
    let ring = Ring::<[Slot; 3]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let (a, source_a) = take_index(&hot, ring).unwrap();
    give_index(&hot, ring, a, source_a).unwrap();
    let (a, from_hot) = take_index(&hot, ring).unwrap();
    let (b, source_b) = take_index(&hot, ring).unwrap();
    give_index(&hot, ring, b, source_b).unwrap(); // refills the slot
    give_index(&hot, ring, a, from_hot).unwrap(); // so this goes to the ring
    assert_eq!(ring.len(), 2);
    assert_eq!(hot.take(), Some(b));
}

/// `available` reads the ring, then the slot: an index that moves from one
/// to the other in between is seen twice, and the cap keeps the count true.
#[test]
fn an_index_moving_into_the_slot_is_not_counted_twice() {
    let ring = Ring::<[Slot; 2]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let counted = available_between(&hot, ring, || {
        let (index, source) = take_index(&hot, ring).unwrap(); // from the ring
        give_index(&hot, ring, index, source).unwrap(); // into the slot
    });
    assert_eq!(counted, 2);
    assert_eq!(available(&hot, ring), 2);
}

/// Returns of indices nobody held (what only a broken promise can cause):
/// the slot absorbs the first, the full ring refuses the second, and the
/// count of free buffers never exceeds the capacity.
#[test]
fn a_full_pool_overflows_once_the_slot_is_full_too() {
    let ring = Ring::<[Slot; 2]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    give_index(&hot, ring, 0, Source::Ring(HeadHint::ORIGIN)).unwrap();
    assert_eq!((ring.len(), hot.is_full()), (2, true));
    assert_eq!(available(&hot, ring), 2, "capped at the capacity");
    assert_eq!(give_index(&hot, ring, 1, Source::Hot), Err(Overflow));
}

#[test]
fn every_index_stays_in_one_place_over_random_traffic() {
    const N: usize = 13;
    let ring = Ring::<[Slot; N]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let mut held: Vec<(usize, Source)> = Vec::new();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let take = held.is_empty() || (held.len() < N && !state.is_multiple_of(3));
        if take {
            let (index, source) = take_index(&hot, ring).expect("a buffer was free");
            assert!(held.iter().all(|&(h, _)| h != index), "{index} twice");
            held.push((index, source));
        } else {
            let (index, source) = held.swap_remove((state >> 8) as usize % held.len());
            give_index(&hot, ring, index, source).unwrap();
        }
        assert_eq!(available(&hot, ring), N - held.len());
        if held.len() == N {
            assert!(take_index(&hot, ring).is_none());
        }
    }
}
