//! Single-threaded behaviour of the hot slots, alone and in front of a ring.

use super::*;
use std::vec::Vec;

/// The owned slot's raw word.
fn owned_word(hot: &HotSlot) -> Word {
    hot.owned.load(Ordering::Relaxed)
}

/// The shared slot's raw word.
fn shared_word(hot: &HotSlot) -> Word {
    hot.shared.load(Ordering::Relaxed)
}

/// Index `index`, as the owned slot's word of version `version` holds it.
fn full(version: u32, index: usize) -> Word {
    Version(version).word(index as Word + 1)
}

fn index_of(taken: Option<(usize, Source)>) -> Option<usize> {
    taken.map(|(index, _)| index)
}

#[test]
fn new_slots_are_all_zero_and_empty() {
    let hot = HotSlot::new();
    assert_eq!((owned_word(&hot), shared_word(&hot)), (0, 0));
    assert_eq!(hot.len(), 0);
    assert_eq!(hot.take_shared(), None);
    assert_eq!(
        shared_word(&hot),
        0,
        "taking from an empty slot leaves it empty"
    );
    assert!(!hot.looks_owned());
}

#[test]
fn a_claim_of_the_free_slot_owns_it_and_a_release_frees_it() {
    let hot = HotSlot::new();
    assert_eq!(hot.claim(), Claim::Free(Version(0)));
    assert!(hot.looks_owned());
    assert_eq!(hot.len(), 0);
    hot.release(Version(0));
    assert_eq!(
        owned_word(&hot),
        Version(1).word(FREE),
        "the version moved on"
    );
    assert!(!hot.looks_owned());
}

#[test]
fn a_claim_of_an_owned_slot_changes_nothing() {
    let hot = HotSlot::new();
    assert_eq!(hot.claim(), Claim::Free(Version(0)));
    let owned = owned_word(&hot);
    assert_eq!(hot.claim(), Claim::Owned(Version(0)));
    assert_eq!(owned_word(&hot), owned);
}

#[test]
fn a_refill_moves_the_version_on_and_the_next_claim_takes_the_index() {
    let hot = HotSlot::new();
    assert_eq!(hot.claim(), Claim::Free(Version(0)));
    hot.refill(5, Version(0));
    assert_eq!(owned_word(&hot), full(1, 5));
    assert_eq!(hot.len(), 1);
    assert_eq!(hot.claim(), Claim::Index(5, Version(1)));
    assert_eq!(hot.claim(), Claim::Owned(Version(1)));
    hot.refill(6, Version(1));
    assert_eq!(hot.claim(), Claim::Index(6, Version(2)));
}

/// The get's first claim finds what `claim` finds, with the same effect,
/// except on an owned slot, which it leaves alone.
#[test]
fn the_first_claim_claims_as_a_claim_does_but_skips_an_owned_slot() {
    let hot = HotSlot::new();
    assert_eq!(hot.claim_unless_owned(), Some(Claim::Free(Version(0))));
    assert_eq!(owned_word(&hot), Version(0).word(OWNED));
    assert_eq!(hot.claim_unless_owned(), None, "owned: nothing to claim");
    assert_eq!(owned_word(&hot), Version(0).word(OWNED));
    hot.refill(7, Version(0));
    assert_eq!(hot.claim_unless_owned(), Some(Claim::Index(7, Version(1))));
    assert_eq!(owned_word(&hot), Version(1).word(OWNED));
    let largest = crate::ring::MAX_CAPACITY - 1;
    let last = Version(VERSIONS - 1);
    hot.owned
        .store(last.word(largest as Word + 1), Ordering::Relaxed);
    assert_eq!(hot.claim_unless_owned(), Some(Claim::Index(largest, last)));
    assert_eq!(owned_word(&hot), last.word(OWNED));
}

/// The version keeps within what a guard's ticket stores (31 bits) and
/// wraps to 0 there, and every version round-trips through the word.
#[test]
fn the_version_wraps_within_what_a_ticket_keeps() {
    let last = Version(VERSIONS - 1);
    assert!(last.0 < 1 << 31);
    assert_eq!(last.next(), Version(0));
    let largest = crate::ring::MAX_CAPACITY - 1;
    let hot = HotSlot::new();
    hot.owned.store(last.word(OWNED), Ordering::Relaxed);
    hot.refill(largest, last);
    assert_eq!(hot.claim(), Claim::Index(largest, Version(0)));
    hot.owned
        .store(last.word(largest as Word + 1), Ordering::Relaxed);
    assert_eq!(hot.claim(), Claim::Index(largest, last));
}

#[test]
fn an_offer_fills_the_empty_shared_slot_and_a_take_empties_it() {
    let hot = HotSlot::new();
    assert!(hot.offer(7));
    assert_eq!((shared_word(&hot), hot.len()), (8, 1));
    assert!(!hot.offer(1), "an offer into a full slot changes nothing");
    assert_eq!(shared_word(&hot), 8);
    assert_eq!(hot.take_shared(), Some(7));
    assert_eq!((shared_word(&hot), hot.take_shared()), (0, None));
    let largest = crate::ring::MAX_CAPACITY - 1;
    assert!(hot.offer(largest));
    assert_eq!(hot.take_shared(), Some(largest));
}

/// A fresh pool: the first get claims the free owned slot and takes from
/// the ring; its return refills the owned slot, and every later get-return
/// pair reuses that one buffer through the owned slot.
#[test]
fn a_get_takes_back_the_buffer_returned_last() {
    let ring = Ring::<[Slot; 4]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let (first, source) = take_index(&hot, ring).unwrap();
    assert_eq!(first, 0);
    assert!(matches!(source, Source::Owner(Version(0))));
    let (second, other) = take_index(&hot, ring).unwrap();
    assert!(matches!(other, Source::Ring(_)), "the owned slot is owned");
    give_index(&hot, ring, second, other).unwrap(); // into the shared slot
    give_index(&hot, ring, first, source).unwrap(); // refills the owned slot
    for round in 1..4 {
        let (again, source) = take_index(&hot, ring).unwrap();
        assert_eq!(again, first);
        assert!(matches!(source, Source::Owner(Version(v)) if v == round));
        give_index(&hot, ring, again, source).unwrap();
    }
    let order: Vec<usize> = core::iter::from_fn(|| take_bare_index(&hot, ring)).collect();
    assert_eq!(order, [first, second, 2, 3]);
}

/// A buffer held for long (an I/O in flight) keeps the owned slot owned;
/// the shared slot keeps serving the get-return loop around it. (With the
/// owned slot alone, every get would go to the ring while the held buffer
/// is out. See "Why" in the module docs.)
#[test]
fn a_held_buffer_does_not_stall_the_slot() {
    let ring = Ring::<[Slot; 8]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let (first, source) = take_index(&hot, ring).unwrap();
    give_index(&hot, ring, first, source).unwrap(); // into the owned slot
    let _held = take_index(&hot, ring).unwrap(); // from it, kept: owned
    let (reused, source) = take_index(&hot, ring).unwrap(); // from the ring
    give_index(&hot, ring, reused, source).unwrap(); // into the shared slot
    for _ in 0..3 * 8 {
        let (index, source) = take_index(&hot, ring).unwrap();
        assert_eq!(index, reused, "the get went past the slots");
        assert!(matches!(source, Source::Hot));
        give_index(&hot, ring, index, source).unwrap();
    }
}

#[test]
fn the_pool_is_empty_only_when_ring_and_slots_all_are() {
    let ring = Ring::<[Slot; 2]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let a = take_index(&hot, ring).unwrap(); // owns the owned slot
    let b = take_index(&hot, ring).unwrap();
    assert!(take_index(&hot, ring).is_none());
    assert_eq!(available(&hot, ring), 0);
    give_index(&hot, ring, b.0, b.1).unwrap(); // the shared slot
    assert_eq!((ring.len(), available(&hot, ring)), (0, 1));
    let b = take_index(&hot, ring).expect("the shared slot's buffer");
    give_index(&hot, ring, a.0, a.1).unwrap(); // the owned slot
    assert_eq!((ring.len(), available(&hot, ring)), (0, 1));
    let a = take_index(&hot, ring).expect("the owned slot's buffer");
    assert!(take_index(&hot, ring).is_none());
    give_index(&hot, ring, a.0, a.1).unwrap();
    give_index(&hot, ring, b.0, b.1).unwrap();
    assert_eq!((ring.len(), available(&hot, ring)), (0, 2));
}

/// A get that claims the free owned slot and finds nothing anywhere gives
/// the slot up again before it reports empty.
#[test]
fn a_get_that_owns_the_empty_slot_releases_it_when_it_reports_empty() {
    let ring = Ring::<[Slot; 1]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let held = take_bare_index(&hot, ring).unwrap(); // owned slot released
    assert_eq!(owned_word(&hot), Version(1).word(FREE));
    assert!(take_index(&hot, ring).is_none());
    assert_eq!(owned_word(&hot), Version(2).word(FREE), "claimed, released");
    give_index(&hot, ring, held, Source::Ring(HeadHint::ORIGIN)).unwrap();
    assert_eq!(index_of(take_index(&hot, ring)), Some(held));
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

/// A pool of `N` whose owned slot is owned by a held buffer (returned by
/// the caller, or never), and the held buffer.
fn owned_by_a_holder<const N: usize>(ring: &Ring<[Slot; N]>, hot: &HotSlot) -> (usize, Source) {
    let held = take_index(hot, ring).unwrap();
    assert!(matches!(held.1, Source::Owner(_)));
    held
}

/// The shared slot refills while the get pops a drained ring; the pool
/// is never empty: a second get `G2` finds the shared slot empty, then a
/// return fills it before `G2` pops the ring's last. The get under test,
/// stalled after its own take, must find the shared slot's buffer.
#[test]
fn no_false_empty_when_the_shared_slot_refills_before_the_ring_drains() {
    let ring = Ring::<[Slot; 3]>::full();
    let hot = HotSlot::new();
    let _owner = owned_by_a_holder(&ring, &hot); // index 0
    let ring: &Ring<[Slot]> = &ring;
    let held = take_index(&hot, ring).unwrap(); // index 1; index 2 is free
    let mut g2 = None;
    let got = take_index_with(&hot, ring, Next::Pop, || {
        g2 = take_index_with(&hot, ring, Next::Pop, || {
            give_index(&hot, ring, held.0, held.1).unwrap(); // shared slot
        });
    });
    assert_eq!(index_of(g2), Some(2), "the ring's last");
    assert_eq!(index_of(got), Some(1), "false empty");
}

/// The ring is empty only while the shared slot is full, and the shared
/// slot empty only while the ring is not. The get under test finds the
/// ring empty, then the shared slot empty, and must look again.
#[test]
fn no_false_empty_when_the_ring_refills_before_the_shared_slot_drains() {
    let ring = Ring::<[Slot; 4]>::full();
    let hot = HotSlot::new();
    let _owner = owned_by_a_holder(&ring, &hot); // index 0
    let ring: &Ring<[Slot]> = &ring;
    let a = take_index(&hot, ring).unwrap(); // index 1
    let c = take_index(&hot, ring).unwrap(); // index 2; index 3 is free
    let (mut g2, mut g3) = (None, None);
    let got = take_index_between(&hot, ring, |step| match step {
        Next::Pop if g2.is_none() => {
            // G2 finds the shared slot empty, `a` comes back there, G2
            // pops 3.
            g2 = take_index_with(&hot, ring, Next::Pop, || {
                give_index(&hot, ring, a.0, a.1).unwrap();
            });
        }
        Next::SecondTake if g3.is_none() => {
            give_index(&hot, ring, c.0, c.1).unwrap(); // slot full: the ring
            g3 = take_index(&hot, ring); // `a`, from the shared slot
        }
        _ => {}
    });
    assert_eq!(index_of(g2), Some(3));
    assert_eq!(index_of(g3), Some(a.0));
    assert_eq!(index_of(got), Some(c.0), "false empty");
}

/// The owned slot's owner refills it after the get looked at it, while a
/// second get, past its own look, pops the ring's last: the pool is never
/// empty, and the get's claim in the empty check must find the refill.
#[test]
fn no_false_empty_when_the_owned_slot_refills_before_the_ring_drains() {
    let ring = Ring::<[Slot; 2]>::full();
    let hot = HotSlot::new();
    let owner = owned_by_a_holder(&ring, &hot); // index 0; index 1 is free
    let ring: &Ring<[Slot]> = &ring;
    let mut g2 = None;
    let got = take_index_with(&hot, ring, Next::Pop, || {
        g2 = take_index_with(&hot, ring, Next::Take, || {
            give_index(&hot, ring, owner.0, owner.1).unwrap(); // refill
        });
    });
    assert_eq!(index_of(g2), Some(1), "the ring's last");
    assert_eq!(index_of(got), Some(owner.0), "false empty");
}

/// Stages the race the version exists for, with the pool never empty, and
/// returns what the get under test found. Between the get's two claims the
/// owned slot is refilled (while the shared slot's buffer goes to another
/// get) and then, after a return filled the shared slot, taken by G4
/// (`g4`, given the slot and the ring, says how). The get's claims find
/// the slot owned, then owned at another version or free: either way the
/// get must look again and find the shared slot's buffer, `t`.
fn owned_slot_turns_over_between_the_claims(
    g4: impl FnOnce(&HotSlot, &Ring<[Slot]>) -> Option<usize>,
) -> (Ring<[Slot; 4]>, HotSlot, Option<(usize, Source)>) {
    let pool = Ring::<[Slot; 4]>::full();
    let hot = HotSlot::new();
    let owner = owned_by_a_holder(&pool, &hot); // index 0
    let ring: &Ring<[Slot]> = &pool;
    let s = take_index(&hot, ring).unwrap(); // index 1
    let t = take_index(&hot, ring).unwrap(); // index 2; index 3 is free
    let (mut g2, mut g3, mut g4) = (None, None, Some(g4));
    let got = take_index_between(&hot, ring, |step| match step {
        Next::Pop if g2.is_none() => {
            // `s` comes back to the shared slot while G2, past both slots,
            // pops the ring's last.
            g2 = take_index_with(&hot, ring, Next::Pop, || {
                give_index(&hot, ring, s.0, s.1).unwrap();
            });
        }
        Next::SecondTake if g3.is_none() => {
            // The owner refills while G3, past the owned slot, takes `s`.
            g3 = take_index_with(&hot, ring, Next::Take, || {
                give_index(&hot, ring, owner.0, owner.1).unwrap();
            });
        }
        Next::Reclaim => {
            if let Some(g4) = g4.take() {
                // `t` comes back to the shared slot, then G4 takes the
                // owned slot's buffer.
                give_index(&hot, ring, t.0, t.1).unwrap();
                assert_eq!(g4(&hot, ring), Some(owner.0));
            }
        }
        _ => {}
    });
    assert_eq!(index_of(g2), Some(3));
    assert_eq!(index_of(g3), Some(s.0));
    assert_eq!(index_of(got), Some(t.0), "false empty");
    (pool, hot, got)
}

/// G4 is a get: the slot is owned again, one version on.
#[test]
fn no_false_empty_when_the_owned_slot_changes_hands_between_the_claims() {
    let (_, _, got) = owned_slot_turns_over_between_the_claims(|hot, ring| {
        index_of(take_index(hot, ring)) // G4 owns the slot now
    });
    assert!(matches!(got, Some((_, Source::Hot))));
}

/// G4 takes bare (a cache's refill), which leaves the slot free: the get's
/// second claim finds it free, so the get owns it now, and its return
/// refills it.
#[test]
fn no_false_empty_when_the_owned_slot_is_freed_between_the_claims() {
    let (ring, hot, got) = owned_slot_turns_over_between_the_claims(take_bare_index);
    let Some((index, source @ Source::Owner(_))) = got else {
        panic!("the get does not own the slot: {got:?}");
    };
    give_index(&hot, &ring, index, source).unwrap();
    assert_eq!(hot.claim(), Claim::Index(index, Version(3)), "refilled");
}

/// The owner gives the owned slot up (its guard taken apart by `into_raw`)
/// and a return fills the shared slot, both after the get's pop: the get's
/// claim finds the slot free and owns it, so the shared slot's buffer it
/// then takes refills the owned slot on its return.
#[test]
fn a_get_that_claims_the_freed_slot_in_its_check_owns_it() {
    let ring = Ring::<[Slot; 2]>::full();
    let hot = HotSlot::new();
    let (raw, Source::Owner(version)) = owned_by_a_holder(&ring, &hot) else {
        unreachable!()
    };
    let ring: &Ring<[Slot]> = &ring;
    let s = take_index(&hot, ring).unwrap(); // the pool is empty now
    let got = take_index_with(&hot, ring, Next::Claim, || {
        hot.release(version); // `raw` goes out in raw form
        give_index(&hot, ring, s.0, s.1).unwrap(); // the shared slot
    });
    let (index, source) = got.expect("the shared slot's buffer");
    assert_eq!(index, s.0);
    assert!(
        matches!(source, Source::Owner(_)),
        "the claim made it the owner"
    );
    give_index(&hot, ring, index, source).unwrap();
    assert!(!hot.looks_owned(), "the owned slot was left owned");
    assert_eq!(index_of(take_index(&hot, ring)), Some(s.0));
    let _ = raw;
}

/// The owner refills the owned slot between the get's two claims: the
/// second claim takes the index (and the slot), which must come out of
/// the get, not be lost in it.
#[test]
fn a_get_takes_the_index_its_second_claim_finds() {
    let ring = Ring::<[Slot; 2]>::full();
    let hot = HotSlot::new();
    let owner = owned_by_a_holder(&ring, &hot);
    let ring: &Ring<[Slot]> = &ring;
    let _s = take_index(&hot, ring).unwrap(); // the pool is empty now
    let got = take_index_with(&hot, ring, Next::Reclaim, || {
        give_index(&hot, ring, owner.0, owner.1).unwrap(); // refill
    });
    let (index, source) = got.expect("the refilled buffer");
    assert_eq!(index, owner.0);
    assert!(matches!(source, Source::Owner(Version(1))));
    give_index(&hot, ring, index, source).unwrap();
    assert_eq!(hot.len(), 1);
}

/// A return that reaches a slot after the get's last look at it leaves the
/// pool empty at the instant of the second take: reporting empty is then
/// true, and a later get finds the buffer.
#[test]
fn a_return_after_the_last_look_may_be_missed_but_is_not_lost() {
    let ring = Ring::<[Slot; 2]>::full();
    let hot = HotSlot::new();
    let owner = owned_by_a_holder(&ring, &hot);
    let ring: &Ring<[Slot]> = &ring;
    let held = take_index(&hot, ring).unwrap();
    let got = take_index_with(&hot, ring, Next::Check, || {
        give_index(&hot, ring, held.0, held.1).unwrap(); // shared slot
    });
    assert!(got.is_none());
    assert_eq!(index_of(take_index(&hot, ring)), Some(held.0));
    let got = take_index_with(&hot, ring, Next::Check, || {
        give_index(&hot, ring, owner.0, owner.1).unwrap(); // owned slot
    });
    assert!(got.is_none(), "the refill came after the second claim");
    assert_eq!(index_of(take_index(&hot, ring)), Some(owner.0));
}

/// And when nothing came in, empty is the answer, after one look at each
/// step.
#[test]
fn a_get_reports_empty_when_nothing_came_in() {
    let ring = Ring::<[Slot; 1]>::full();
    let hot = HotSlot::new();
    let _owner = owned_by_a_holder(&ring, &hot);
    let ring: &Ring<[Slot]> = &ring;
    let mut steps = Vec::new();
    assert!(take_index_between(&hot, ring, |step| steps.push(step)).is_none());
    use Next::*;
    assert_eq!(steps, [Take, Pop, Claim, SecondTake, Reclaim, Check]);
}

#[test]
fn a_return_falls_back_to_the_ring_when_the_shared_slot_is_full() {
    let ring = Ring::<[Slot; 4]>::full();
    let hot = HotSlot::new();
    let _owner = owned_by_a_holder(&ring, &hot);
    let ring: &Ring<[Slot]> = &ring;
    let (a, source_a) = take_index(&hot, ring).unwrap();
    let (b, source_b) = take_index(&hot, ring).unwrap();
    assert_eq!(ring.len(), 1);
    give_index(&hot, ring, b, source_b).unwrap(); // fills the shared slot
    give_index(&hot, ring, a, source_a).unwrap(); // so this goes to the ring
    assert_eq!(ring.len(), 2);
    assert_eq!(hot.take_shared(), Some(b));
}

/// `take_bare_index` gives the owned slot up at once, so an index that
/// comes back another way (the ring, in bulk) does not leave it owned.
#[test]
fn a_bare_take_leaves_the_owned_slot_free() {
    let ring = Ring::<[Slot; 2]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let (index, source) = take_index(&hot, ring).unwrap();
    give_index(&hot, ring, index, source).unwrap(); // the owned slot
    assert_eq!(take_bare_index(&hot, ring), Some(index));
    assert_eq!(owned_word(&hot), Version(2).word(FREE));
    assert!(!hot.looks_owned());
}

/// `available` reads the ring, then the slots: an index that moves from
/// one to the other in between is seen twice, and the cap keeps the count
/// true.
#[test]
fn an_index_moving_into_a_slot_is_not_counted_twice() {
    let ring = Ring::<[Slot; 2]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let counted = available_between(&hot, ring, || {
        let (index, source) = take_index(&hot, ring).unwrap(); // from the ring
        give_index(&hot, ring, index, source).unwrap(); // into the owned slot
    });
    assert_eq!(counted, 2);
    assert_eq!(available(&hot, ring), 2);
}

/// Returns of indices nobody held (what only a broken promise can cause):
/// the shared slot absorbs the first, the full ring refuses the second,
/// and the count of free buffers never exceeds the capacity.
#[test]
fn a_full_pool_overflows_once_the_shared_slot_is_full_too() {
    let ring = Ring::<[Slot; 2]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    give_index(&hot, ring, 0, Source::Ring(HeadHint::ORIGIN)).unwrap();
    assert_eq!((ring.len(), hot.len()), (2, 1));
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
    let mut owners = 0;
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let take = held.is_empty() || (held.len() < N && !state.is_multiple_of(3));
        if take {
            let (index, source) = take_index(&hot, ring).expect("a buffer was free");
            assert!(held.iter().all(|&(h, _)| h != index), "{index} twice");
            owners += usize::from(matches!(source, Source::Owner(_)));
            held.push((index, source));
        } else {
            let (index, source) = held.swap_remove((state >> 8) as usize % held.len());
            give_index(&hot, ring, index, source).unwrap();
        }
        let owning = held
            .iter()
            .filter(|(_, source)| matches!(source, Source::Owner(_)))
            .count();
        assert_eq!(owning, usize::from(hot.looks_owned()), "one owner at most");
        assert_eq!(available(&hot, ring), N - held.len());
        if held.len() == N {
            assert!(take_index(&hot, ring).is_none());
        }
    }
    assert!(owners > 500, "the owned slot served {owners} gets");
}
