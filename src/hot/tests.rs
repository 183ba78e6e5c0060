//! Single-threaded behaviour of the hot slot, alone and in front of a ring.

use super::*;
use std::vec::Vec;

/// The slot's raw word.
fn word(hot: &HotSlot) -> Word {
    hot.0.load(Ordering::Relaxed)
}

/// The fields of a pool of 1024 buffers (11 index bits on 32-bit targets).
fn fields_1024() -> Fields {
    Fields::of(1024)
}

#[test]
fn a_new_slot_is_all_zero_and_empty() {
    let hot = HotSlot::new();
    assert_eq!(word(&hot), 0);
    assert!(!hot.is_full(fields_1024()));
    assert_eq!(hot.take(fields_1024()), Err(Generation(0)));
    assert_eq!(word(&hot), 0, "taking from an empty slot changes nothing");
}

#[test]
fn an_offer_fills_an_empty_slot_and_advances_the_generation() {
    let (hot, fields) = (HotSlot::new(), fields_1024());
    assert!(hot.offer(fields, 7, None));
    assert!(hot.is_full(fields));
    assert_eq!(word(&hot), 1 << fields.index_bits | 8);
    assert_eq!(hot.take(fields), Ok((7, Generation(1))));
    assert_eq!(
        word(&hot),
        1 << fields.index_bits,
        "a take keeps the generation"
    );
    assert_eq!(hot.take(fields), Err(Generation(1)));
}

#[test]
fn an_offer_into_a_full_slot_changes_nothing() {
    let (hot, fields) = (HotSlot::new(), fields_1024());
    assert!(hot.offer(fields, 0, None));
    let before = word(&hot);
    assert!(!hot.offer(fields, 1, None));
    assert!(!hot.offer(fields, 1, Some(Generation(0))));
    assert!(!hot.offer(fields, 1, Some(Generation(1))));
    assert_eq!(word(&hot), before);
    assert_eq!(hot.take(fields), Ok((0, Generation(1))));
}

#[test]
fn a_wrong_guess_costs_a_retry_not_the_offer() {
    let (hot, fields) = (HotSlot::new(), fields_1024());
    for round in 0..5 {
        assert!(hot.offer(fields, round, None));
        assert!(hot.take(fields).is_ok());
    }
    // Empty in generation 5; guesses behind, ahead and far off all land.
    for (round, guess) in [0, 9, u32::MAX >> 12].into_iter().enumerate() {
        assert!(hot.offer(fields, 3, Some(Generation(guess))));
        let generation = Generation(5 + round as u32 + 1);
        assert_eq!(hot.take(fields), Ok((3, generation)));
    }
}

#[test]
fn the_largest_index_fits_at_every_capacity() {
    let largest = crate::ring::MAX_CAPACITY;
    for capacity in [1, 2, 3, 1023, 1024, 1025, largest / 2 + 1, largest] {
        let (hot, fields) = (HotSlot::new(), Fields::of(capacity));
        assert!(hot.offer(fields, capacity - 1, None));
        assert_eq!(hot.take(fields), Ok((capacity - 1, Generation(1))));
    }
}

#[test]
fn the_generation_keeps_every_bit_the_index_does_not_need() {
    // 64-bit: 32 generation bits always. 32-bit: 32 minus the capacity's
    // bit length (21 for 1024 buffers, 11 at the largest capacity).
    let expected = |capacity: usize| {
        if cfg!(target_pointer_width = "64") {
            32
        } else {
            32 - (usize::BITS - capacity.leading_zeros())
        }
    };
    for capacity in [1, 1024, crate::ring::MAX_CAPACITY] {
        let fields = Fields::of(capacity);
        assert_eq!(Word::BITS - fields.index_bits, expected(capacity));
        assert!(fields.index_mask() >= Word::try_from(capacity).unwrap());
    }
}

#[test]
fn the_generation_wraps_with_its_field() {
    for capacity in [1, 1024, crate::ring::MAX_CAPACITY] {
        let fields = Fields::of(capacity);
        let last = fields.generation(Word::MAX);
        assert_ne!(last, Generation(0));
        // A slot at the last generation wraps to zero bytes plus the index.
        let hot = HotSlot(AtomicWord::new(fields.empty_word(last)));
        assert!(hot.offer(fields, 0, Some(last)));
        assert_eq!(word(&hot), 1);
        assert_eq!(hot.take(fields), Ok((0, Generation(0))));
        assert_eq!(word(&hot), 0);
    }
}

#[test]
fn empty_since_sees_any_offer_even_one_taken_again() {
    let (hot, fields) = (HotSlot::new(), fields_1024());
    let seen = hot.take(fields).unwrap_err();
    assert!(hot.empty_since(fields, seen));
    assert!(hot.offer(fields, 4, None));
    assert!(!hot.empty_since(fields, seen), "full now");
    hot.take(fields).unwrap();
    assert!(
        !hot.empty_since(fields, seen),
        "empty again, but a generation later"
    );
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
    assert!(matches!(source, Source::Hot(Generation(1))));
    let order: Vec<usize> = core::iter::from_fn(|| take_index(&hot, ring))
        .map(|(index, _)| index)
        .collect();
    assert_eq!(order, [2, 3, first]);
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

/// The race the generation exists for: after a get found the slot empty,
/// another get drains the ring and a return refills the slot. The ring is
/// then empty, but the pool is not, and the get must find the buffer.
#[test]
fn a_get_finds_a_buffer_offered_while_it_looked_at_the_ring() {
    let ring = Ring::<[Slot; 2]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let held = take_index(&hot, ring).unwrap(); // index 0; index 1 is free
    let mut others = Some(|| {
        let drained = take_index(&hot, ring).unwrap(); // index 1, the ring's last
        give_index(&hot, ring, held.0, held.1).unwrap(); // index 0, to the slot
        drained
    });
    let mut drained = None;
    let got = take_index_between(&hot, ring, || {
        if let Some(move_others) = others.take() {
            drained = Some(move_others());
        }
    });
    assert_eq!(got.map(|(index, _)| index), Some(0), "reported empty");
    assert_eq!(drained.map(|(index, _)| index), Some(1));
}

/// And when nothing came in, empty is the answer, after one look each.
#[test]
fn a_get_reports_empty_when_nothing_came_in() {
    let ring = Ring::<[Slot; 1]>::full();
    let (ring, hot): (&Ring<[Slot]>, _) = (&ring, HotSlot::new());
    let _held = take_index(&hot, ring).unwrap();
    let mut looks = 0;
    assert!(take_index_between(&hot, ring, || looks += 1).is_none());
    assert_eq!(looks, 1);
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
    assert_eq!(hot.take(Fields::of(3)).map(|(index, _)| index), Ok(b));
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
    assert_eq!((ring.len(), hot.is_full(Fields::of(2))), (2, true));
    assert_eq!(available(&hot, ring), 2, "capped at the capacity");
    assert_eq!(
        give_index(&hot, ring, 1, Source::Hot(Generation(1))),
        Err(Overflow)
    );
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
