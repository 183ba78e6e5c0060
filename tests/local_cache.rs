//! `LocalCache`: LIFO reuse, bulk refill and spill, thread-exit flush, and
//! ownership under threads that mix cached, direct and handed-over buffers.

use iobuf::{BoundedPool, LocalCache, NanoPool, PicoPool, PoolEmpty, SmallPool};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;

/// Takes every buffer and checks that all `N` are there, each once.
fn assert_all_back<T, const N: usize>(pool: &BoundedPool<T, N>) {
    let all: Vec<_> = core::iter::from_fn(|| pool.try_get().ok()).collect();
    let distinct: HashSet<u32> = all.iter().map(|g| g.index().get()).collect();
    assert_eq!(all.len(), N, "buffers lost");
    assert_eq!(distinct.len(), N, "a buffer came back twice");
}

#[test]
fn reuses_the_most_recently_returned_buffer() {
    static POOL: PicoPool<16> = PicoPool::new();
    let cache = LocalCache::<_, 8>::new(&POOL);
    let first = cache.try_get().unwrap();
    let index = first.index();
    let second = cache.try_get().unwrap();
    drop(first);
    assert_eq!(cache.try_get().unwrap().index(), index, "not LIFO");
    drop(second);
}

#[test]
fn refills_half_and_spills_the_older_half() {
    static POOL: PicoPool<16> = PicoPool::new();
    let cache = LocalCache::<_, 4>::new(&POOL);
    let first = cache.try_get().unwrap();
    assert_eq!((cache.len(), POOL.available()), (1, 14), "refill of 2");

    let direct: Vec<_> = (0..4).map(|_| POOL.try_get().unwrap()).collect();
    let newest: Vec<u32> = direct.iter().rev().map(|g| g.index().get()).collect();
    drop(first); // cache: [refilled, first]
    for guard in direct {
        cache.put(guard);
    }
    // The third put found the cache full and spilled its two oldest
    // entries (the refilled one and `first`) in one bulk return.
    assert_eq!((cache.len(), POOL.available()), (4, 12));
    let cached: Vec<_> = (0..4).map(|_| cache.try_get().unwrap()).collect();
    let order: Vec<u32> = cached.iter().map(|g| g.index().get()).collect();
    assert_eq!(order, newest, "not the newest four, newest first");
    drop(cached);
    drop(cache);
    assert_all_back(&POOL);
}

#[test]
fn reports_empty_only_when_everything_is_held() {
    static POOL: PicoPool<5> = PicoPool::new();
    let cache = LocalCache::<_, 4>::new(&POOL);
    let held: Vec<_> = (0..5).map(|_| cache.try_get().unwrap()).collect();
    assert_eq!(cache.try_get().unwrap_err(), PoolEmpty);
    let distinct: HashSet<_> = held.iter().map(|g| g.index()).collect();
    assert_eq!(distinct.len(), 5);
    drop(held);
    assert_eq!(
        cache.len(),
        3,
        "four parked, the fifth spilled two, then parked"
    );
}

#[test]
fn dropping_the_cache_returns_everything() {
    static POOL: NanoPool<32> = NanoPool::new();
    {
        let cache = LocalCache::<_, 16>::new(&POOL);
        let held: Vec<_> = (0..20).map(|_| cache.try_get().unwrap()).collect();
        drop(held);
        assert!(POOL.available() < 32);
    }
    assert_eq!(POOL.available(), 32);
    assert_all_back(&POOL);
}

#[test]
fn contents_survive_the_cache() {
    static POOL: NanoPool<4> = NanoPool::new();
    let cache = LocalCache::<_, 2>::new(&POOL);
    let mut buf = cache.try_get().unwrap();
    buf.fill(0x5A);
    let index = buf.index();
    drop(buf);
    let buf = cache.try_get().unwrap();
    assert_eq!(buf.index(), index);
    assert!(buf.iter().all(|&b| b == 0x5A));
}

#[test]
fn a_guard_of_another_pool_goes_home() {
    static HOME: PicoPool<4> = PicoPool::new();
    static OTHER: PicoPool<4> = PicoPool::new();
    let cache = LocalCache::<_, 4>::new(&HOME);
    // Same type, different pool: `put` must not adopt it.
    cache.put(OTHER.try_get().unwrap());
    assert_eq!(cache.len(), 0);
    assert_eq!(OTHER.available(), 4);
}

#[test]
fn raw_hand_off_from_a_cached_guard() {
    static POOL: SmallPool<4> = SmallPool::new();
    let cache = LocalCache::<_, 2>::new(&POOL);
    let mut buf = cache.try_get().unwrap();
    buf[0] = 9;
    let id = buf.into_raw();
    let back = POOL.from_raw_checked(id).unwrap();
    assert_eq!(back[0], 9);
    assert!(POOL.from_raw_checked(id).is_err());
    cache.put(back);
    drop(cache);
    assert_all_back(&POOL);
}

#[test]
fn a_burst_takes_the_newest_and_parks_them_all_again() {
    static POOL: NanoPool<16> = NanoPool::new();
    let cache = LocalCache::<_, 8>::new(&POOL);
    let newest: Vec<u32> = {
        let held: Vec<_> = (0..5).map(|_| cache.try_get().unwrap()).collect();
        held.iter().map(|g| g.index().get()).collect()
    }; // dropped in order: the last one is on top
    let mut burst = cache.try_get_burst::<3>();
    assert_eq!(burst.len(), 3);
    let taken: Vec<u32> = (0..3).map(|i| burst.buf_index(i).get()).collect();
    assert_eq!(taken, [newest[4], newest[3], newest[2]], "not newest first");
    for (i, buf) in burst.iter_mut().enumerate() {
        buf.fill(i as u8 + 1);
    }
    assert_eq!(burst[2][63], 3);
    assert_eq!(cache.len(), 8 - 3);
    assert_eq!(
        format!("{burst:?}"),
        format!("CachedBurst {{ indices: {taken:?} }}")
    );
    drop(burst);
    assert_eq!(cache.len(), 8);
    let again = cache.try_get_burst::<3>();
    let order: Vec<u32> = (0..3).map(|i| again.buf_index(i).get()).collect();
    assert_eq!(
        order, taken,
        "a burst handed back whole changed the cache's order"
    );
    assert!(
        again[0].iter().all(|&b| b == 1),
        "the first of the burst is not on top"
    );
}

#[test]
fn a_burst_larger_than_the_cache_comes_and_goes_in_pieces() {
    static POOL: PicoPool<16> = PicoPool::new();
    let cache = LocalCache::<_, 4>::new(&POOL);
    let burst = cache.try_get_burst::<10>();
    assert_eq!(burst.len(), 10);
    let distinct: HashSet<_> = (0..10).map(|i| burst.buf_index(i)).collect();
    assert_eq!(distinct.len(), 10);
    assert_eq!(POOL.available(), 6 - cache.len());
    drop(burst);
    assert!(cache.len() <= 4);
    drop(cache);
    assert_all_back(&POOL);
}

#[test]
fn a_burst_takes_what_is_left() {
    static POOL: PicoPool<5> = PicoPool::new();
    let cache = LocalCache::<_, 4>::new(&POOL);
    let held = POOL.try_get().unwrap();
    let burst = cache.try_get_burst::<8>();
    assert_eq!(burst.len(), 4);
    assert!(cache.try_get_burst::<8>().is_empty());
    drop((burst, held));
    drop(cache);
    assert_all_back(&POOL);
}

#[test]
fn a_panic_loses_nothing() {
    static POOL: NanoPool<8> = NanoPool::new();
    let result = std::panic::catch_unwind(|| {
        let cache = LocalCache::<_, 4>::new(&POOL);
        let _held = cache.try_get().unwrap();
        let _burst = cache.try_get_burst::<3>();
        panic!("in the middle of a hold");
    });
    assert!(result.is_err());
    assert_all_back(&POOL);
}

mod thread_local_caches {
    use super::*;

    static POOL: SmallPool<64> = SmallPool::new();

    thread_local! {
        static CACHE: LocalCache<'static, SmallPool<64>, 8> = const { LocalCache::new(&POOL) };
    }

    /// Buffers parked in the caches of exited threads are back in the pool:
    /// nothing leaks, whether the thread ended normally or by a panic.
    #[test]
    fn exiting_threads_flush_their_caches() {
        let workers: Vec<_> = (0..4)
            .map(|t| {
                thread::spawn(move || {
                    CACHE.with(|cache| {
                        for round in 0..100 {
                            let held: Vec<_> =
                                (0..1 + (round + t) % 6).map(|_| cache.get()).collect();
                            drop(held);
                        }
                        assert!(!cache.is_empty());
                        if t == 3 {
                            panic!("a worker dies with a full cache");
                        }
                    })
                })
            })
            .collect();
        let panics = workers.into_iter().filter_map(|w| w.join().err()).count();
        assert_eq!(panics, 1);
        assert_eq!(POOL.available(), 64);
        assert_all_back(&POOL);
    }
}

/// Who holds each index: 0 or a stamp unique to one hold.
struct Owners(Vec<AtomicU64>);

impl Owners {
    fn claim(&self, index: usize, stamp: u64) {
        let previous = self.0[index].swap(stamp, Ordering::AcqRel);
        assert_eq!(previous, 0, "buffer {index} handed to two holders");
    }

    fn release(&self, index: usize, stamp: u64) {
        let previous = self.0[index].swap(0, Ordering::AcqRel);
        assert_eq!(previous, stamp, "buffer {index} changed owner while held");
    }
}

fn rounds() -> u64 {
    if cfg!(miri) {
        return 30;
    }
    std::env::var("IOBUF_STRESS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Three threads take buffers through their own caches, one straight from
/// the pool; every hold is claimed in an owner table and stamped, and one
/// buffer in eight travels to another thread (`into_shared`), which parks it
/// in its own cache. At the end every buffer is back, once.
#[test]
fn cached_and_direct_threads_never_share_a_buffer() {
    static POOL: SmallPool<64> = SmallPool::new();
    const THREADS: u64 = 4;
    let owners = Owners((0..64).map(|_| AtomicU64::new(0)).collect());
    let rounds = rounds();
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..THREADS).map(|_| mpsc::channel()).unzip();
    thread::scope(|scope| {
        for (t, inbox) in receivers.into_iter().enumerate() {
            let t = t as u64;
            let owners = &owners;
            let next = senders[((t + 1) % THREADS) as usize].clone();
            scope.spawn(move || {
                let cache = LocalCache::<_, 8>::new(&POOL);
                let direct = t == THREADS - 1;
                for round in 0..rounds {
                    let stamp = (t + 1) << 48 | round;
                    // Buffers in flight to this thread wait in its inbox:
                    // take them in while waiting, or all threads could end
                    // up waiting for buffers queued to themselves.
                    let mut buf = loop {
                        for handed in inbox.try_iter() {
                            cache.put(handed);
                        }
                        let taken = if direct {
                            POOL.try_get()
                        } else {
                            cache.try_get().map(|buf| buf.into_shared())
                        };
                        match taken {
                            Ok(buf) => break buf,
                            Err(PoolEmpty) => thread::yield_now(),
                        }
                    };
                    owners.claim(buf.index().as_usize(), stamp);
                    buf[..8].copy_from_slice(&stamp.to_le_bytes());
                    let last = buf.len() - 8;
                    buf[last..].copy_from_slice(&stamp.to_le_bytes());
                    if round % 64 == 0 {
                        thread::yield_now();
                    }
                    assert_eq!(buf[..8], stamp.to_le_bytes());
                    assert_eq!(buf[last..], stamp.to_le_bytes());
                    owners.release(buf.index().as_usize(), stamp);
                    if round % 8 == 0 {
                        let _ = next.send(buf);
                    } else if !direct {
                        cache.put(buf);
                    }
                }
                drop(next);
            });
        }
        drop(senders);
    });
    assert_all_back(&POOL);
}
