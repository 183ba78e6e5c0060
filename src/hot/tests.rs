//! Single-threaded behaviour of the hot slot, alone and in front of a ring,
//! and the races of the empty check staged step by step.

use super::*;
use crate::ring::Slot;
use std::vec::Vec;

/// The slot's raw word.
fn word(hot: &HotSlot) -> Word {
    hot.word.load(Ordering::Relaxed)
}

#[test]
fn a_new_slot_is_all_zero_and_empty() {
    let hot = HotSlot::new();
    assert_eq!(word(&hot), 0);
    assert_eq!(hot.len(), 0);
    assert_eq!(hot.take(), None);
    assert_eq!(hot.take_now(), None);
    assert_eq!(word(&hot), 0, "taking from an empty slot leaves it empty");
}

#[test]
fn an_offer_fills_the_empty_slot_and_a_take_empties_it() {
    let hot = HotSlot::new();
    assert!(hot.offer(7));
    assert_eq!((word(&hot), hot.len()), (8, 1));
    assert!(!hot.offer(1), "an offer into a full slot changes nothing");
    assert_eq!(word(&hot), 8);
    assert_eq!(hot.take(), Some(7));
    assert_eq!((word(&hot), hot.take()), (0, None));
    let largest = crate::ring::MAX_CAPACITY - 1;
    assert!(hot.offer(largest));
    assert_eq!(hot.take_now(), Some(largest));
}

/// A get-return loop reuses one buffer through the slot; a second buffer
/// held meanwhile does not change that.
#[test]
fn a_get_takes_back_the_buffer_returned_last() {
    let ring = Ring::<[Slot; 4]>::full();
    let hot = HotSlot::new();
    let first = take_index(&hot, &ring).unwrap();
    let second = take_index(&hot, &ring).unwrap();
    assert_eq!((first, second), (0, 1));
    give_index(&hot, &ring, second);
    for _ in 0..3 {
        let again = take_index(&hot, &ring).unwrap();
        assert_eq!(again, second, "the slot's buffer, not the ring's next");
        give_index(&hot, &ring, again);
    }
    give_index(&hot, &ring, first); // the slot is full: into the ring
    assert_eq!(available(&hot, &ring), 4);
}

#[test]
fn a_return_falls_back_to_the_ring_when_the_slot_is_full() {
    let ring = Ring::<[Slot; 3]>::full();
    let hot = HotSlot::new();
    let held: Vec<usize> = (0..3).map(|_| take_index(&hot, &ring).unwrap()).collect();
    for &index in &held {
        give_index(&hot, &ring, index);
    }
    assert_eq!((hot.len(), ring.len()), (1, 2));
    assert_eq!(take_index(&hot, &ring), Some(held[0]), "the first return");
}

#[test]
fn the_pool_is_empty_only_when_ring_and_slot_both_are() {
    let ring = Ring::<[Slot; 2]>::full();
    let hot = HotSlot::new();
    let a = take_index(&hot, &ring).unwrap();
    let b = take_index(&hot, &ring).unwrap();
    assert_eq!(take_index(&hot, &ring), None);
    give_index(&hot, &ring, a); // the slot
    assert_eq!(take_index(&hot, &ring), Some(a));
    assert!(hot.offer(b));
    give_index(&hot, &ring, a); // the slot is full: the ring
    assert_eq!(available(&hot, &ring), 2);
    assert_eq!(take_index(&hot, &ring), Some(b));
    assert_eq!(take_index(&hot, &ring), Some(a));
    assert_eq!(take_index(&hot, &ring), None);
}

/// Runs `take_index`, calling `others` once, just before `step`; returns
/// what the get found and how many steps it went through.
fn take_index_with<S: Slots + ?Sized>(
    hot: &HotSlot,
    ring: &Ring<S>,
    step: Next,
    others: impl FnOnce(),
) -> (Option<usize>, Vec<Next>) {
    let mut others = Some(others);
    let mut steps = Vec::new();
    let taken = take_index_between(hot, ring, |next| {
        steps.push(next);
        if next == step
            && let Some(others) = others.take()
        {
            others();
        }
    });
    assert!(others.is_none(), "the get never reached {step:?}");
    (taken, steps)
}

/// The slot refills while the get pops a drained ring, and the pool is
/// never empty: after the get found the slot empty, `x` comes back into
/// the slot and another get takes the ring's last index. The get must find
/// `x` with its swap (without the swap it would report empty).
#[test]
fn no_false_empty_when_the_slot_refills_before_the_ring_drains() {
    let ring = Ring::<[Slot; 2]>::full();
    let hot = HotSlot::new();
    let x = take_index(&hot, &ring).unwrap();
    let (taken, _) = take_index_with(&hot, &ring, Next::Pop, || {
        give_index(&hot, &ring, x); // into the empty slot
        assert!(ring.pop().is_some()); // another get drains the ring
    });
    assert_eq!(taken, Some(x));
}

/// The ring refills after the get's pop found it empty, while the slot's
/// index goes to another get, and the pool is never empty: `x` comes into
/// the slot after the get looked at it, so the get pops an empty ring;
/// then `y` comes back (into the ring: the slot is full) and another get
/// takes `x`. The get's swap finds the slot empty; the ring's check must
/// see `y` come in (without it the get would report empty), and the get
/// takes `y`.
#[test]
fn no_false_empty_when_the_ring_refills_before_the_slot_drains() {
    let ring = Ring::<[Slot; 2]>::full();
    let hot = HotSlot::new();
    let (x, y) = (ring.pop().unwrap(), ring.pop().unwrap());
    let mut steps = Vec::new();
    let taken = take_index_between(&hot, &ring, |next| {
        steps.push(next);
        match (next, steps.len()) {
            (Next::Pop, 1) => assert!(hot.offer(x)),
            (Next::Swap, 2) => {
                give_index(&hot, &ring, y); // the slot is full: the ring
                assert_eq!(take_index(&hot, &ring), Some(x)); // another get
            }
            _ => {}
        }
    });
    assert_eq!(taken, Some(y));
    assert_eq!(steps, [Next::Pop, Next::Swap, Next::Check, Next::Pop]);
}

/// A raw hand-off flips the tag of the ring's slot at `head` while the get
/// checks: the word changed, so the check says "not still empty" and the
/// get looks again, to find the pool empty once more. A retry, not a wrong
/// answer.
#[test]
fn a_tag_flip_during_the_check_costs_a_retry() {
    let ring = Ring::<[Slot; 2]>::full();
    let hot = HotSlot::new();
    let (a, b) = (ring.pop().unwrap(), ring.pop().unwrap());
    let (taken, steps) = take_index_with(&hot, &ring, Next::Check, || {
        assert!(!ring.set_tag(a)); // `a` goes out in raw form
    });
    assert_eq!(taken, None);
    assert_eq!(
        steps,
        [
            Next::Pop,
            Next::Swap,
            Next::Check,
            Next::Pop,
            Next::Swap,
            Next::Check
        ]
    );
    assert!(ring.clear_tag(a));
    ring.push(a);
    ring.push(b);
    assert_eq!(available(&hot, &ring), 2);
}

/// A return that reaches the slot after the get's swap, and the ring after
/// its check, leaves the pool empty at the instant of the swap: reporting
/// empty is then true, and the next get finds the buffer.
#[test]
fn a_return_after_the_last_look_may_be_missed_but_is_not_lost() {
    let ring = Ring::<[Slot; 1]>::full();
    let hot = HotSlot::new();
    let x = ring.pop().unwrap();
    let mut returned = false;
    let taken = take_index_between(&hot, &ring, |next| {
        if next == Next::Check && !returned {
            returned = true;
            // After the check's own read, as far as the get can tell: give
            // it back to the slot, which the get has already looked at.
            give_index(&hot, &ring, x);
        }
    });
    // The return came before the check, into the slot, not the ring: the
    // ring did not change, so the get reports the empty instant it saw.
    assert_eq!(taken, None);
    assert_eq!(take_index(&hot, &ring), Some(x));
}

/// With nothing coming in, "empty" takes one look at each step.
#[test]
fn a_get_reports_empty_when_nothing_came_in() {
    let ring = Ring::<[Slot; 1]>::full();
    let hot = HotSlot::new();
    let x = take_index(&hot, &ring).unwrap();
    let (taken, steps) = take_index_with(&hot, &ring, Next::Pop, || {});
    assert_eq!(taken, None);
    assert_eq!(steps, [Next::Pop, Next::Swap, Next::Check]);
    give_index(&hot, &ring, x);
    assert_eq!(available(&hot, &ring), 1);
}

/// `available` reads the ring, then the slot: an index that moves from one
/// to the other in between is seen twice, and the cap keeps the count true.
#[test]
fn an_index_moving_into_the_slot_is_not_counted_twice() {
    let ring = Ring::<[Slot; 2]>::full();
    let hot = HotSlot::new();
    let counted = available_between(&hot, &ring, || {
        let index = ring.pop().unwrap();
        assert!(hot.offer(index));
    });
    assert_eq!(counted, 2);
}

/// The empty check's two looks must come in that order, the hot slot's
/// swap before the ring's re-confirmation. `x` comes into the slot after
/// the get's first look at it, so the get pops an empty ring; if the get
/// then reached a second look of its check, `y` would come back into the
/// ring (the slot is full) and another get would take `x` just before it.
/// The pool is never empty: a check that re-confirmed the ring first and
/// swapped the slot second would see the ring unchanged and the slot empty,
/// and report empty; the swap first finds `x`. (Staged by the order of the
/// steps, whatever their names, so that a reordering cannot dodge it.)
#[test]
fn the_check_swaps_the_slot_before_it_reconfirms_the_ring() {
    let ring = Ring::<[Slot; 2]>::full();
    let hot = HotSlot::new();
    let (x, y) = (ring.pop().unwrap(), ring.pop().unwrap());
    let mut seams = 0;
    let taken = take_index_between(&hot, &ring, |_| {
        seams += 1;
        match seams {
            1 => assert!(hot.offer(x)), // after the get's first look
            3 => {
                give_index(&hot, &ring, y); // the slot is full: the ring
                assert_eq!(take_index(&hot, &ring), Some(x)); // another get
            }
            _ => {}
        }
    });
    assert_eq!(taken, Some(x), "the swap, the check's first look, finds x");
}
