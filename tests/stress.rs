//! Multi-threaded stress: no buffer is ever held by two owners, no spurious
//! "empty" while buffers are free, and every buffer comes back.
//!
//! Each holder claims an owner slot for its index (an independent check of
//! exclusivity), writes a stamp unique to this hold at both ends of the
//! buffer, yields or spins, and re-reads both stamps before returning it.
//! On this 2-core machine 4 and 8 threads mean preemption inside holds.
//!
//! `IOBUF_STRESS_ROUNDS` scales the work (default 200 000 rounds a thread;
//! Miri runs a few dozen).

use iobuf::{BoundedPool, Guard, SmallPool};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const FREE: u64 = 0;

fn rounds() -> usize {
    if cfg!(miri) {
        return 40;
    }
    std::env::var("IOBUF_STRESS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}

/// Who holds each index: `FREE` or a stamp unique to one hold.
struct Owners<const N: usize>([AtomicU64; N]);

impl<const N: usize> Owners<N> {
    fn new() -> Self {
        Self(std::array::from_fn(|_| AtomicU64::new(FREE)))
    }

    fn claim(&self, index: usize, stamp: u64) {
        let previous = self.0[index].swap(stamp, Ordering::AcqRel);
        assert_eq!(previous, FREE, "buffer {index} handed to two holders");
    }

    fn release(&self, index: usize, stamp: u64) {
        let previous = self.0[index].swap(FREE, Ordering::AcqRel);
        assert_eq!(previous, stamp, "buffer {index} changed owner while held");
    }
}

type Pool = SmallPool<64>;

/// Writes `stamp` at both ends of the buffer.
fn stamp(buf: &mut Guard<'_, Pool>, stamp: u64) {
    let bytes = stamp.to_le_bytes();
    buf[..8].copy_from_slice(&bytes);
    let len = buf.len();
    buf[len - 8..].copy_from_slice(&bytes);
}

fn assert_stamped(buf: &Guard<'_, Pool>, stamp: u64) {
    let bytes = stamp.to_le_bytes();
    let len = buf.len();
    assert_eq!(buf[..8], bytes, "buffer {} overwritten", buf.index());
    assert_eq!(buf[len - 8..], bytes, "buffer {} overwritten", buf.index());
}

/// Takes every buffer and checks that all `N` are there, each once.
fn assert_all_back<T, const N: usize>(pool: &BoundedPool<T, N>) {
    let all: Vec<_> = core::iter::from_fn(|| pool.try_get().ok()).collect();
    let distinct: HashSet<u32> = all.iter().map(|g| g.index().get()).collect();
    assert_eq!(all.len(), N, "buffers lost");
    assert_eq!(distinct.len(), N, "a buffer came back twice");
}

/// How long a run lasts: rounds a thread, or until a moment.
#[derive(Clone, Copy)]
enum Budget {
    Rounds(u64),
    Until(Instant),
}

impl Budget {
    fn goes_on(self, round: u64) -> bool {
        match self {
            Budget::Rounds(rounds) => round < rounds,
            Budget::Until(end) => !round.is_multiple_of(256) || Instant::now() < end,
        }
    }
}

/// `threads` threads each hold up to `per_thread` buffers at a time, with
/// `threads * per_thread < 64`: every `try_get` must succeed. Returns how
/// many get+put pairs were made.
fn run_no_spurious_empty(
    pool: &'static Pool,
    threads: u64,
    per_thread: usize,
    budget: Budget,
) -> u64 {
    assert!(threads as usize * per_thread < pool.capacity());
    let owners = Owners::<64>::new();
    let pairs = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread_id| {
                let owners = &owners;
                scope.spawn(move || {
                    let mut held = Vec::with_capacity(per_thread);
                    let mut pairs = 0u64;
                    let mut round = 0u64;
                    while budget.goes_on(round) {
                        let want = 1 + (round as usize * 7 + thread_id as usize) % per_thread;
                        while held.len() < want {
                            let mut buf = pool
                                .try_get()
                                .expect("try_get failed with fewer than N buffers held");
                            let hold = (thread_id + 1) << 48 | round << 8 | held.len() as u64;
                            owners.claim(buf.index().as_usize(), hold);
                            stamp(&mut buf, hold);
                            held.push((buf, hold));
                            pairs += 1;
                        }
                        if round.is_multiple_of(64) {
                            thread::yield_now();
                        }
                        while held.len() >= want {
                            let (buf, hold) = held.swap_remove(round as usize % held.len());
                            assert_stamped(&buf, hold);
                            owners.release(buf.index().as_usize(), hold);
                            drop(buf);
                        }
                        round += 1;
                    }
                    for (buf, hold) in held {
                        assert_stamped(&buf, hold);
                        owners.release(buf.index().as_usize(), hold);
                    }
                    pairs
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum::<u64>()
    });
    assert_all_back(pool);
    pairs
}

fn rounds_budget() -> Budget {
    Budget::Rounds(rounds() as u64)
}

#[test]
fn two_threads_never_share_a_buffer_or_see_a_false_empty() {
    static POOL: Pool = Pool::new();
    run_no_spurious_empty(&POOL, 2, 8, rounds_budget());
}

#[test]
fn four_threads_never_share_a_buffer_or_see_a_false_empty() {
    static POOL: Pool = Pool::new();
    run_no_spurious_empty(&POOL, 4, 8, rounds_budget());
}

#[test]
fn eight_threads_never_share_a_buffer_or_see_a_false_empty() {
    static POOL: Pool = Pool::new();
    run_no_spurious_empty(&POOL, 8, 7, rounds_budget());
}

/// A pool with one buffer more than threads, each thread holding one at a
/// time: the ring holds one or two buffers and the hot slot changes hands
/// on nearly every get and return. Ownership must hold, every `try_get`
/// must succeed, and an observer's `available()` never exceeds the
/// capacity. (The races the get's empty check guards against need a third
/// party; `hot::tests` stages them step by step.)
fn run_tight<const N: usize>(pool: &'static BoundedPool<u64, N>) {
    let threads = N as u64 - 1;
    let owners = Owners::<N>::new();
    let running = AtomicUsize::new(threads as usize);
    thread::scope(|scope| {
        // An observer: `available()` reads the ring, then the slots, and an
        // index moving between them must not be counted twice.
        scope.spawn(|| {
            while running.load(Ordering::Acquire) > 0 {
                assert!(pool.available() <= N, "more free than the pool has");
            }
        });
        for thread_id in 0..threads {
            let running = &running;
            let owners = &owners;
            scope.spawn(move || {
                for round in 0..rounds() as u64 {
                    let mut buf = pool.try_get().expect("try_get failed with a buffer free");
                    let hold = (thread_id + 1) << 48 | round;
                    owners.claim(buf.index().as_usize(), hold);
                    *buf = hold;
                    if round.is_multiple_of(64) {
                        thread::yield_now();
                    }
                    assert_eq!(*buf, hold, "buffer {} overwritten", buf.index());
                    owners.release(buf.index().as_usize(), hold);
                }
                running.fetch_sub(1, Ordering::Release);
            });
        }
    });
    assert_all_back(pool);
}

#[test]
fn two_threads_on_three_buffers_never_see_a_false_empty() {
    static POOL: BoundedPool<u64, 3> = BoundedPool::new();
    run_tight(&POOL);
}

#[test]
fn four_threads_on_five_buffers_never_see_a_false_empty() {
    static POOL: BoundedPool<u64, 5> = BoundedPool::new();
    run_tight(&POOL);
}

/// More demand than buffers: "empty" is legitimate, ownership still holds,
/// and every buffer comes back.
#[test]
fn eight_threads_contending_for_four_buffers_keep_ownership() {
    static POOL: SmallPool<4> = SmallPool::new();
    let owners = Owners::<4>::new();
    let (hits, empties) = (AtomicUsize::new(0), AtomicUsize::new(0));
    thread::scope(|scope| {
        for thread_id in 0..8u64 {
            let (owners, hits, empties) = (&owners, &hits, &empties);
            scope.spawn(move || {
                for round in 0..rounds() as u64 {
                    let Ok(mut buf) = POOL.try_get() else {
                        empties.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    let hold = (thread_id + 1) << 48 | round;
                    owners.claim(buf.index().as_usize(), hold);
                    buf[..8].copy_from_slice(&hold.to_le_bytes());
                    std::hint::spin_loop();
                    assert_eq!(buf[..8], hold.to_le_bytes());
                    owners.release(buf.index().as_usize(), hold);
                    hits.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(
        hits.load(Ordering::Relaxed) + empties.load(Ordering::Relaxed),
        8 * rounds()
    );
    assert!(hits.load(Ordering::Relaxed) > 0);
    assert_all_back(&POOL);
}

/// Buffers leave as raw indices through a channel (as through a DMA ring
/// or a completion queue) while other threads take and return guards. Each
/// id is sent twice and two threads race to re-enter it: every raw hand-off
/// is re-entered exactly once, however the duplicates interleave.
#[test]
fn raw_hand_off_across_threads_re_enters_each_index_exactly_once() {
    static POOL: Pool = Pool::new();
    let owners = Owners::<64>::new();
    let reentered = AtomicUsize::new(0);
    let sent = rounds() / 4;
    let (tx, rx) = mpsc::sync_channel::<iobuf::BufIndex>(16);
    let rx = std::sync::Mutex::new(rx);
    thread::scope(|scope| {
        let (owners, reentered) = (&owners, &reentered);
        // Producer: takes buffers, stamps them, gives them up in raw form.
        scope.spawn(move || {
            for round in 0..sent as u64 {
                let mut buf = POOL.get();
                let hold = 1 << 48 | round;
                owners.claim(buf.index().as_usize(), hold);
                buf[..8].copy_from_slice(&hold.to_le_bytes());
                owners.release(buf.index().as_usize(), hold);
                let id = buf.into_raw();
                // Send twice: the consumers race to re-enter the same index.
                tx.send(id).unwrap();
                tx.send(id).unwrap();
            }
        });
        // Consumers: re-enter; one success per hand-off in total.
        for _ in 0..2 {
            let rx = &rx;
            scope.spawn(move || {
                loop {
                    let Ok(id) = rx.lock().unwrap().recv() else {
                        break;
                    };
                    if let Ok(buf) = POOL.from_raw_checked(id) {
                        reentered.fetch_add(1, Ordering::Relaxed);
                        drop(buf);
                    }
                }
            });
        }
        // Bystanders: ordinary guard traffic on the same pool.
        for thread_id in 2..4u64 {
            scope.spawn(move || {
                for round in 0..sent as u64 {
                    if let Ok(mut buf) = POOL.try_get() {
                        let hold = thread_id << 48 | round;
                        owners.claim(buf.index().as_usize(), hold);
                        buf[1000..1008].copy_from_slice(&hold.to_le_bytes());
                        assert_eq!(buf[1000..1008], hold.to_le_bytes());
                        owners.release(buf.index().as_usize(), hold);
                    }
                }
            });
        }
    });
    assert_eq!(reentered.load(Ordering::Relaxed), sent);
    assert_all_back(&POOL);
}

/// The soak: 8 threads for `IOBUF_SOAK_SECS` seconds (default 1; CI runs
/// 10 in release), every hold stamped and owner-checked. Asserts zero
/// double hand-outs, zero false empties and all 64 buffers back; prints
/// the rate (`--nocapture` to see it).
#[test]
fn soak_eight_threads_for_the_configured_time() {
    static POOL: Pool = Pool::new();
    let seconds: f64 = std::env::var("IOBUF_SOAK_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    let budget = if cfg!(miri) {
        Budget::Rounds(20)
    } else {
        Budget::Until(Instant::now() + Duration::from_secs_f64(seconds))
    };
    let start = Instant::now();
    let pairs = run_no_spurious_empty(&POOL, 8, 7, budget);
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "soak: 8 threads, {elapsed:.1} s, {pairs} get+put pairs, {:.2} M pairs/s; \
         0 double hand-outs, 0 false empties, 64 of 64 buffers back",
        pairs as f64 / elapsed / 1e6
    );
}

/// NIC-style bursts: 4 threads take up to 8 buffers at once and return them
/// in one call, beside 2 threads doing single gets and drops; ownership is
/// checked on every buffer, and all 64 come back.
#[test]
fn bursts_and_singles_never_share_a_buffer() {
    static POOL: Pool = Pool::new();
    let owners = Owners::<64>::new();
    thread::scope(|scope| {
        for thread_id in 1..=6u64 {
            let owners = &owners;
            scope.spawn(move || {
                for round in 0..rounds() as u64 / 8 {
                    let hold = thread_id << 48 | round;
                    let mut burst: Vec<_> = if thread_id <= 4 {
                        // 4 × 8 + 2 × 1 = 34 held at most: never empty.
                        POOL.try_get_bulk::<8>().into_iter().collect()
                    } else {
                        vec![POOL.try_get().expect("false empty")]
                    };
                    assert_eq!(burst.len(), if thread_id <= 4 { 8 } else { 1 });
                    for buf in &mut burst {
                        owners.claim(buf.index().as_usize(), hold);
                        stamp(buf, hold);
                    }
                    for buf in &burst {
                        assert_stamped(buf, hold);
                        owners.release(buf.index().as_usize(), hold);
                    }
                    POOL.put_bulk(burst);
                }
            });
        }
    });
    assert_all_back(&POOL);
}
