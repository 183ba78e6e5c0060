//! Pools sized at run time: same guarantees as the static pools, memory
//! from the kernel, owned handles.
#![cfg(all(feature = "std", unix))]

use iobuf::sys::{MemError, OwnedGuard, PoolError, RuntimePool};
use iobuf::{BufIndex, MAX_CAPACITY, MediumBuffer, RawIndexError, SmallBuffer};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[test]
fn a_server_sized_pool_hands_out_each_of_its_buffers_once() {
    let capacity = if cfg!(miri) { 100 } else { 100_000 };
    let pool = RuntimePool::<MediumBuffer>::new(capacity).unwrap();
    let held: Vec<_> = core::iter::from_fn(|| pool.try_get().ok()).collect();
    assert_eq!(held.len(), capacity);
    let distinct: HashSet<u32> = held.iter().map(|g| g.index().get()).collect();
    assert_eq!(distinct.len(), capacity);
    assert!(pool.try_get().is_err());
    drop(held);
    assert_eq!(pool.available(), capacity);
}

#[test]
fn buffers_are_laid_out_back_to_back_from_a_page_aligned_region() {
    let pool = RuntimePool::<MediumBuffer>::new(16).unwrap();
    assert_eq!(pool.region_ptr() as usize % 4096, 0);
    let held: Vec<_> = core::iter::from_fn(|| pool.try_get().ok()).collect();
    assert_eq!(held.len(), 16);
    for mut buf in held {
        let offset = buf.as_mut_ptr() as usize - pool.region_ptr() as usize;
        assert_eq!(offset, buf.index().as_usize() * 4096);
        assert!(buf.iter().all(|&b| b == 0));
    }
}

#[test]
fn a_capacity_of_zero_is_a_typed_error() {
    assert!(matches!(
        RuntimePool::<SmallBuffer>::new(0),
        Err(PoolError::Capacity { capacity: 0 })
    ));
}

#[test]
fn a_capacity_above_the_maximum_is_a_typed_error() {
    for capacity in [MAX_CAPACITY + 1, usize::MAX] {
        assert!(
            matches!(
                RuntimePool::<SmallBuffer>::new(capacity),
                Err(PoolError::Capacity { capacity: c }) if c == capacity
            ),
            "capacity {capacity}"
        );
    }
}

#[cfg(not(miri))]
#[test]
fn memory_the_os_refuses_is_a_typed_error() {
    // 2^31 buffers of 256 KiB: 512 TiB, more than the address space.
    let error = RuntimePool::<iobuf::GiantBuffer>::new(MAX_CAPACITY).unwrap_err();
    assert!(
        matches!(&error, PoolError::Memory(MemError::Map(os)) if os.raw_os_error() == Some(libc::ENOMEM)),
        "{error:?}"
    );
    assert!(error.to_string().starts_with("no memory for the pool"));
}

#[test]
fn an_owned_guard_keeps_its_pool_alive() {
    let pool = Arc::new(RuntimePool::<SmallBuffer>::new(2).unwrap());
    let mut buf: OwnedGuard<SmallBuffer> = pool.try_get_owned().unwrap();
    let weak = Arc::downgrade(&pool);
    drop(pool);
    buf[0] = 9;
    assert!(weak.upgrade().is_some());
    drop(buf);
    assert!(weak.upgrade().is_none(), "the last guard frees the pool");
}

#[test]
fn owned_guards_travel_to_other_threads_and_return_there() {
    let pool = Arc::new(RuntimePool::<SmallBuffer>::new(8).unwrap());
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let mut buf = pool.get_owned();
            std::thread::spawn(move || {
                buf[0] = i;
                buf[0]
            })
        })
        .collect();
    let sum: u32 = handles
        .into_iter()
        .map(|h| u32::from(h.join().unwrap()))
        .sum();
    assert_eq!(sum, (0..8).sum());
    assert_eq!(pool.available(), 8);
}

#[test]
fn raw_ids_re_enter_as_borrowed_or_owned_guards_with_checks() {
    let pool = Arc::new(RuntimePool::<SmallBuffer>::new(4).unwrap());
    let id = pool.try_get_owned().unwrap().into_raw();
    assert_eq!(
        Arc::strong_count(&pool),
        1,
        "into_raw released the pool reference"
    );
    assert_eq!(pool.available(), 3);
    let owned = pool.from_raw_checked_owned(id).unwrap();
    assert_eq!(
        pool.from_raw_checked(id).unwrap_err(),
        RawIndexError::NotCheckedOut { index: id }
    );
    assert!(matches!(
        pool.from_raw_checked(BufIndex::new(4)),
        Err(RawIndexError::OutOfRange { capacity: 4, .. })
    ));
    drop(owned);
    assert_eq!(pool.available(), 4);
}

#[test]
fn four_threads_never_share_a_runtime_pool_buffer() {
    let rounds = if cfg!(miri) { 30 } else { 100_000 };
    let pool = RuntimePool::<SmallBuffer>::new(16).unwrap();
    let owners: Vec<AtomicU64> = (0..16).map(|_| AtomicU64::new(0)).collect();
    std::thread::scope(|scope| {
        for thread in 1..=4u64 {
            let (pool, owners) = (&pool, &owners);
            scope.spawn(move || {
                for round in 0..rounds {
                    let mut buf = pool.try_get().expect("4 holders, 16 buffers");
                    let stamp = thread << 32 | round;
                    let owner = &owners[buf.index().as_usize()];
                    assert_eq!(owner.swap(stamp, Ordering::AcqRel), 0, "two holders");
                    buf[..8].copy_from_slice(&stamp.to_le_bytes());
                    buf[1016..].copy_from_slice(&stamp.to_le_bytes());
                    std::hint::spin_loop();
                    assert_eq!(buf[..8], stamp.to_le_bytes());
                    assert_eq!(buf[1016..], stamp.to_le_bytes());
                    assert_eq!(owner.swap(0, Ordering::AcqRel), stamp);
                }
            });
        }
    });
    assert_eq!(pool.available(), 16);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "aligning above a page unmaps part of a mapping, which Miri does not model"
)]
fn a_requested_alignment_above_a_page_is_kept() {
    use iobuf::sys::MemOptions;

    let pool =
        RuntimePool::<SmallBuffer>::with_options(4, MemOptions::new().alignment(1 << 21)).unwrap();
    assert_eq!(pool.region_ptr() as usize % (1 << 21), 0);
}
