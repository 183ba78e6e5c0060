//! Buffer pools compared: `cargo bench --bench pools`.
//!
//! Every peer holds the same buffers (1024 × 1 KiB unless a group says
//! otherwise) and runs the same workloads in the same process:
//!
//! * `single`: one thread takes a buffer, writes one byte, returns it;
//! * `threads_T`: `T` threads (2, 4, 8; 16 on machines with 16 hardware
//!   threads) do the same on one shared pool; the
//!   time is wall-clock for all of them, so time per element is the inverse
//!   of the pool's total throughput;
//! * `burst_32`: take 32 buffers (one byte each), then return all 32;
//! * `bulk_32`: the same through iobuf's bulk calls (iobuf only);
//! * `hand_off`: one thread takes buffers and passes them through a bounded
//!   queue to another thread, which returns them (every peer whose buffers
//!   may cross threads: all but `iobuf_cached` and `go_reference`);
//! * `fill_4KiB`, `fill_64KiB`: take a buffer, write every byte, return it
//!   (pools of 256 × 4 KiB and 64 × 64 KiB).
//!
//! One element is one get+return pair, so criterion's throughput is pairs
//! per second and its time per element is ns per pair. The multi-thread
//! groups also print, to stderr, how often a `try_get` reported empty
//! although nearly all buffers were free (a pool should never do that).
//!
//! `iobuf_cached` is the same static iobuf pool used through a `LocalCache`
//! of 64 buffers that each thread owns for the run; `iobuf_tls` keeps that
//! cache in a `thread_local!` and looks it up on every get and return
//! (`peers/cached.rs`).
//!
//! The other peers: crossbeam's `ArrayQueue<u32>` and a `Mutex<Vec<u32>>`
//! as free lists of a heap arena (`peers/free_list.rs`); heapless
//! `box_pool!`, atomic-pool and async-pool, static singletons
//! (`peers/static_pools.rs`; async-pool through its non-async
//! `Box::new`); and two allocators through `GlobalAlloc`, `system_alloc`
//! (`std::alloc::System`) and `mimalloc` (64-bit hosts only), which never
//! report empty (`peers/allocators.rs`).
//!
//! `go_reference` is the Go original's ring transliterated: REFERENCE ONLY,
//! single-thread groups only, because it is broken under contention (ABA;
//! see `peers/go_reference.rs`).
//!
//! `benches/run.sh` runs this benchmark once and the `hand_off` group twice
//! more, keeping each run's `hand_off` medians for the report.

// `criterion_group!`, `box_pool!` and `pool!` define public items without docs.
#![allow(missing_docs)]

mod peers;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Barrier, LazyLock};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_queue::ArrayQueue;
use iobuf::{HugePool, MediumPool, SmallPool};

use peers::allocators::AllocatorPeer;
use peers::cached::{CachedIobuf, PerThread, ThreadCache};
use peers::free_list::{CrossbeamPool, MutexPool};
use peers::go_reference::GoReferencePool;
use peers::static_pools::{ASYNC_POOL_WAKERS, AsyncPoolPeer, AtomicPoolPeer, HeaplessPeer};
use peers::{LocalPeer, Peer, SharedPool};

/// Buffers in the 1 KiB pools.
const SMALL_COUNT: usize = 1024;
/// Buffers in the 4 KiB pools.
const MEDIUM_COUNT: usize = 256;
/// Buffers in the 64 KiB pools.
const HUGE_COUNT: usize = 64;
/// Buffers taken before any is returned in `burst_32`.
const BURST: usize = 32;
/// Capacity of the queue between the two threads of `hand_off`.
const HAND_OFF_DEPTH: usize = 64;

const SMALL: usize = iobuf::SMALL_SIZE;
const MEDIUM: usize = iobuf::MEDIUM_SIZE;
const HUGE: usize = iobuf::HUGE_SIZE;

static IOBUF_SMALL: SmallPool<SMALL_COUNT> = SmallPool::new();
static IOBUF_MEDIUM: MediumPool<MEDIUM_COUNT> = MediumPool::new();
static IOBUF_HUGE: HugePool<HUGE_COUNT> = HugePool::new();

peers::cached::thread_cache!(SmallCache: IOBUF_SMALL, SMALL, SMALL_COUNT);
peers::cached::thread_cache!(MediumCache: IOBUF_MEDIUM, MEDIUM, MEDIUM_COUNT);
peers::cached::thread_cache!(HugeCache: IOBUF_HUGE, HUGE, HUGE_COUNT);

static IOBUF_TLS_SMALL: CachedIobuf<SmallCache, SMALL, SMALL_COUNT> = CachedIobuf::new();
static IOBUF_TLS_MEDIUM: CachedIobuf<MediumCache, MEDIUM, MEDIUM_COUNT> = CachedIobuf::new();
static IOBUF_TLS_HUGE: CachedIobuf<HugeCache, HUGE, HUGE_COUNT> = CachedIobuf::new();

static IOBUF_CACHED_SMALL: PerThread<SMALL, SMALL_COUNT> = PerThread(&IOBUF_SMALL);
static IOBUF_CACHED_MEDIUM: PerThread<MEDIUM, MEDIUM_COUNT> = PerThread(&IOBUF_MEDIUM);
static IOBUF_CACHED_HUGE: PerThread<HUGE, HUGE_COUNT> = PerThread(&IOBUF_HUGE);

static CROSSBEAM_SMALL: LazyLock<CrossbeamPool<SMALL>> =
    LazyLock::new(|| CrossbeamPool::new(SMALL_COUNT as u32));
static CROSSBEAM_MEDIUM: LazyLock<CrossbeamPool<MEDIUM>> =
    LazyLock::new(|| CrossbeamPool::new(MEDIUM_COUNT as u32));
static CROSSBEAM_HUGE: LazyLock<CrossbeamPool<HUGE>> =
    LazyLock::new(|| CrossbeamPool::new(HUGE_COUNT as u32));

static MUTEX_SMALL: LazyLock<MutexPool<SMALL>> =
    LazyLock::new(|| MutexPool::new(SMALL_COUNT as u32));
static MUTEX_MEDIUM: LazyLock<MutexPool<MEDIUM>> =
    LazyLock::new(|| MutexPool::new(MEDIUM_COUNT as u32));
static MUTEX_HUGE: LazyLock<MutexPool<HUGE>> = LazyLock::new(|| MutexPool::new(HUGE_COUNT as u32));

// REFERENCE ONLY (single thread): the Go ring has an ABA defect.
static GO_REFERENCE_SMALL: LazyLock<GoReferencePool<SMALL>> =
    LazyLock::new(|| GoReferencePool::new(SMALL_COUNT as u64));
static GO_REFERENCE_MEDIUM: LazyLock<GoReferencePool<MEDIUM>> =
    LazyLock::new(|| GoReferencePool::new(MEDIUM_COUNT as u64));
static GO_REFERENCE_HUGE: LazyLock<GoReferencePool<HUGE>> =
    LazyLock::new(|| GoReferencePool::new(HUGE_COUNT as u64));

/// The pool types that heapless' `box_pool!`, atomic-pool's `pool!` and
/// async-pool's `pool!` define (each a singleton over its own storage).
mod singletons {
    // atomic-pool's and async-pool's `pool!` compute their bitmap lengths as
    // `(N + 31) / 32`.
    #![allow(clippy::manual_div_ceil)]

    use super::peers::RawBuffer;
    use super::{ASYNC_POOL_WAKERS, HUGE, HUGE_COUNT, MEDIUM, MEDIUM_COUNT, SMALL, SMALL_COUNT};

    heapless::box_pool!(HeaplessSmall: RawBuffer<SMALL>);
    heapless::box_pool!(HeaplessMedium: RawBuffer<MEDIUM>);
    heapless::box_pool!(HeaplessHuge: RawBuffer<HUGE>);

    atomic_pool::pool!(pub AtomicSmall: [RawBuffer<SMALL>; SMALL_COUNT]);
    atomic_pool::pool!(pub AtomicMedium: [RawBuffer<MEDIUM>; MEDIUM_COUNT]);
    atomic_pool::pool!(pub AtomicHuge: [RawBuffer<HUGE>; HUGE_COUNT]);

    async_pool::pool!(pub AsyncSmall: [RawBuffer<SMALL>; SMALL_COUNT], ASYNC_POOL_WAKERS);
    async_pool::pool!(pub AsyncMedium: [RawBuffer<MEDIUM>; MEDIUM_COUNT], ASYNC_POOL_WAKERS);
    async_pool::pool!(pub AsyncHuge: [RawBuffer<HUGE>; HUGE_COUNT], ASYNC_POOL_WAKERS);
}

use singletons::{
    AsyncHuge, AsyncMedium, AsyncSmall, AtomicHuge, AtomicMedium, AtomicSmall, HeaplessHuge,
    HeaplessMedium, HeaplessSmall,
};

static HEAPLESS_SMALL: LazyLock<HeaplessPeer<HeaplessSmall, SMALL>> =
    LazyLock::new(|| HeaplessPeer::manage(SMALL_COUNT));
static HEAPLESS_MEDIUM: LazyLock<HeaplessPeer<HeaplessMedium, MEDIUM>> =
    LazyLock::new(|| HeaplessPeer::manage(MEDIUM_COUNT));
static HEAPLESS_HUGE: LazyLock<HeaplessPeer<HeaplessHuge, HUGE>> =
    LazyLock::new(|| HeaplessPeer::manage(HUGE_COUNT));

static ATOMIC_POOL_SMALL: AtomicPoolPeer<AtomicSmall, SMALL> = AtomicPoolPeer::new();
static ATOMIC_POOL_MEDIUM: AtomicPoolPeer<AtomicMedium, MEDIUM> = AtomicPoolPeer::new();
static ATOMIC_POOL_HUGE: AtomicPoolPeer<AtomicHuge, HUGE> = AtomicPoolPeer::new();

static ASYNC_POOL_SMALL: AsyncPoolPeer<AsyncSmall, SMALL> = AsyncPoolPeer::new();
static ASYNC_POOL_MEDIUM: AsyncPoolPeer<AsyncMedium, MEDIUM> = AsyncPoolPeer::new();
static ASYNC_POOL_HUGE: AsyncPoolPeer<AsyncHuge, HUGE> = AsyncPoolPeer::new();

// Allocators: never empty, so the pool sizes above do not apply.
static SYSTEM_SMALL: AllocatorPeer<std::alloc::System, SMALL> = AllocatorPeer(std::alloc::System);
static SYSTEM_MEDIUM: AllocatorPeer<std::alloc::System, MEDIUM> = AllocatorPeer(std::alloc::System);
static SYSTEM_HUGE: AllocatorPeer<std::alloc::System, HUGE> = AllocatorPeer(std::alloc::System);

#[cfg(target_pointer_width = "64")]
static MIMALLOC_SMALL: AllocatorPeer<mimalloc::MiMalloc, SMALL> = AllocatorPeer(mimalloc::MiMalloc);
#[cfg(target_pointer_width = "64")]
static MIMALLOC_MEDIUM: AllocatorPeer<mimalloc::MiMalloc, MEDIUM> =
    AllocatorPeer(mimalloc::MiMalloc);
#[cfg(target_pointer_width = "64")]
static MIMALLOC_HUGE: AllocatorPeer<mimalloc::MiMalloc, HUGE> = AllocatorPeer(mimalloc::MiMalloc);

/// A workload, run once per peer inside one criterion group.
trait Workload {
    /// Benchmarks `pool` under the name `peer`.
    fn run<P: SharedPool>(
        &mut self,
        group: &mut BenchmarkGroup<'_, WallTime>,
        peer: &str,
        pool: &P,
    );
}

/// Whether a group may include `go_reference` (single-thread groups only).
#[derive(Clone, Copy, PartialEq)]
enum Threads {
    One,
    Several,
}

/// Runs `workload` over every 1 KiB peer in the group `name`.
fn small_peers(c: &mut Criterion, name: &str, threads: Threads, workload: &mut impl Workload) {
    let mut group = c.benchmark_group(name);
    workload.run(&mut group, "iobuf", &IOBUF_SMALL);
    workload.run(&mut group, "iobuf_cached", &IOBUF_CACHED_SMALL);
    workload.run(&mut group, "iobuf_tls", &IOBUF_TLS_SMALL);
    workload.run(&mut group, "crossbeam_array_queue", &*CROSSBEAM_SMALL);
    workload.run(&mut group, "heapless_box_pool", &*HEAPLESS_SMALL);
    workload.run(&mut group, "atomic_pool", &ATOMIC_POOL_SMALL);
    workload.run(&mut group, "async_pool", &ASYNC_POOL_SMALL);
    workload.run(&mut group, "mutex_vec", &*MUTEX_SMALL);
    workload.run(&mut group, "system_alloc", &SYSTEM_SMALL);
    #[cfg(target_pointer_width = "64")]
    workload.run(&mut group, "mimalloc", &MIMALLOC_SMALL);
    if threads == Threads::One {
        workload.run(&mut group, "go_reference", &*GO_REFERENCE_SMALL);
    }
    group.finish();
}

/// Takes a buffer, retrying (and counting the misses) while the pool says
/// it is empty.
#[inline]
fn get<'a, P: LocalPeer>(pool: &'a P, misses: &mut u64) -> P::Buf<'a> {
    loop {
        match pool.try_get() {
            Some(buf) => return buf,
            None => {
                *misses += 1;
                std::hint::spin_loop();
            }
        }
    }
}

/// One get, one-byte write, return.
#[inline]
fn pair<P: LocalPeer>(pool: &P, value: u8, misses: &mut u64) {
    let mut buf = get(pool, misses);
    P::touch(&mut buf, value);
    drop(buf);
}

/// Spins, then yields: the machine may have fewer cores than threads.
fn wait(spins: &mut u32) {
    if *spins < 64 {
        *spins += 1;
        std::hint::spin_loop();
    } else {
        thread::yield_now();
    }
}

/// Pairs run and spurious "empty" results of the current benchmark.
static PAIRS: AtomicU64 = AtomicU64::new(0);
static MISSES: AtomicU64 = AtomicU64::new(0);

/// Prints (stderr) and resets the miss counters of a multi-thread benchmark.
fn report_misses(group: &str, peer: &str) {
    let pairs = PAIRS.swap(0, Relaxed);
    let misses = MISSES.swap(0, Relaxed);
    // No pairs: a filter on the command line skipped this benchmark.
    if pairs > 0 {
        eprintln!("{group}/{peer}: {misses} spurious empty results in {pairs} pairs");
    }
}

struct Single;

impl Workload for Single {
    fn run<P: SharedPool>(
        &mut self,
        group: &mut BenchmarkGroup<'_, WallTime>,
        peer: &str,
        pool: &P,
    ) {
        group.throughput(Throughput::Elements(1));
        group.bench_function(peer, |b| {
            let local = pool.local();
            let mut misses = 0;
            b.iter(|| pair(&local, black_box(1), &mut misses));
            assert_eq!(misses, 0, "{peer}: a lone thread saw an empty pool");
        });
    }
}

struct Shared {
    name: String,
    threads: usize,
}

impl Workload for Shared {
    fn run<P: SharedPool>(
        &mut self,
        group: &mut BenchmarkGroup<'_, WallTime>,
        peer: &str,
        pool: &P,
    ) {
        let threads = self.threads;
        group.throughput(Throughput::Elements(1));
        group.bench_function(peer, |b| {
            b.iter_custom(|iters| {
                let per_thread = iters.div_ceil(threads as u64);
                let barrier = Barrier::new(threads + 1);
                let elapsed = thread::scope(|s| {
                    let workers: Vec<_> = (0..threads)
                        .map(|t| {
                            let barrier = &barrier;
                            s.spawn(move || {
                                let local = pool.local();
                                let mut misses = 0;
                                barrier.wait();
                                for _ in 0..per_thread {
                                    pair(&local, t as u8, &mut misses);
                                }
                                misses
                            })
                        })
                        .collect();
                    barrier.wait();
                    let start = Instant::now();
                    let misses: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
                    let elapsed = start.elapsed();
                    MISSES.fetch_add(misses, Relaxed);
                    elapsed
                });
                let done = per_thread * threads as u64;
                PAIRS.fetch_add(done, Relaxed);
                // Scale to exactly `iters` pairs.
                elapsed.mul_f64(iters as f64 / done as f64)
            });
        });
        report_misses(&self.name, peer);
    }
}

struct Burst;

impl Workload for Burst {
    fn run<P: SharedPool>(
        &mut self,
        group: &mut BenchmarkGroup<'_, WallTime>,
        peer: &str,
        pool: &P,
    ) {
        group.throughput(Throughput::Elements(BURST as u64));
        group.bench_function(peer, |b| {
            let local = pool.local();
            let mut held = Vec::with_capacity(BURST);
            let mut misses = 0;
            b.iter(|| {
                for i in 0..BURST {
                    let mut buf = get(&local, &mut misses);
                    P::Local::touch(&mut buf, i as u8);
                    held.push(buf);
                }
                held.clear();
            });
            assert_eq!(misses, 0, "{peer}: a lone thread saw an empty pool");
        });
    }
}

/// One thread takes buffers, another returns them: only peers whose
/// buffers may cross threads (`Peer`), so `iobuf_cached`, whose guards stay
/// with their thread's cache, is not here; `iobuf_tls` is.
fn hand_off_peer<P: Peer>(group: &mut BenchmarkGroup<'_, WallTime>, peer: &str, pool: &P) {
    {
        group.throughput(Throughput::Elements(1));
        group.bench_function(peer, |b| {
            b.iter_custom(|iters| {
                let queue: ArrayQueue<P::Buf<'_>> = ArrayQueue::new(HAND_OFF_DEPTH);
                let barrier = Barrier::new(3);
                let elapsed = thread::scope(|s| {
                    let producer = s.spawn(|| {
                        let mut misses = 0;
                        barrier.wait();
                        for i in 0..iters {
                            let mut buf = get(&pool, &mut misses);
                            P::touch(&mut buf, i as u8);
                            let mut spins = 0;
                            while let Err(back) = queue.push(buf) {
                                buf = back;
                                wait(&mut spins);
                            }
                        }
                        misses
                    });
                    let consumer = s.spawn(|| {
                        barrier.wait();
                        for _ in 0..iters {
                            let mut spins = 0;
                            loop {
                                if let Some(buf) = queue.pop() {
                                    drop(buf);
                                    break;
                                }
                                wait(&mut spins);
                            }
                        }
                    });
                    barrier.wait();
                    let start = Instant::now();
                    let misses = producer.join().unwrap();
                    consumer.join().unwrap();
                    let elapsed = start.elapsed();
                    MISSES.fetch_add(misses, Relaxed);
                    elapsed
                });
                PAIRS.fetch_add(iters, Relaxed);
                elapsed
            });
        });
        report_misses("hand_off", peer);
    }
}

struct Fill;

impl Workload for Fill {
    fn run<P: SharedPool>(
        &mut self,
        group: &mut BenchmarkGroup<'_, WallTime>,
        peer: &str,
        pool: &P,
    ) {
        group.throughput(Throughput::Elements(1));
        group.bench_function(peer, |b| {
            let local = pool.local();
            let mut misses = 0;
            let mut value = 0u8;
            b.iter(|| {
                value = value.wrapping_add(1);
                let mut buf = get(&local, &mut misses);
                P::Local::fill(&mut buf, value);
            });
            assert_eq!(misses, 0, "{peer}: a lone thread saw an empty pool");
        });
    }
}

fn single(c: &mut Criterion) {
    small_peers(c, "single", Threads::One, &mut Single);
}

fn shared(c: &mut Criterion) {
    // 16 threads only where there are 16 hardware threads to run them.
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let counts = [2, 4, 8, 16].into_iter().filter(|&t| t <= 8 || t <= cores);
    for threads in counts {
        let name = format!("threads_{threads}");
        let mut workload = Shared {
            name: name.clone(),
            threads,
        };
        small_peers(c, &name, Threads::Several, &mut workload);
    }
}

fn burst(c: &mut Criterion) {
    small_peers(c, "burst_32", Threads::One, &mut Burst);
}

/// iobuf's bulk calls, 32 buffers at a time: the shared ring's
/// `try_get_bulk`/`put_bulk`, and a thread's cache (`try_get_burst`, then
/// dropping the burst parks all 32 again). Peers without a bulk call are in
/// `burst_32`.
fn bulk(c: &mut Criterion) {
    let mut group = c.benchmark_group("bulk_32");
    group.throughput(Throughput::Elements(BURST as u64));
    group.bench_function("iobuf", |b| {
        b.iter(|| {
            let mut burst = IOBUF_SMALL.try_get_bulk::<BURST>();
            assert_eq!(burst.len(), BURST, "a lone thread saw an empty pool");
            for (i, buf) in burst.iter_mut().enumerate() {
                buf[0] = i as u8;
            }
            IOBUF_SMALL.put_bulk(burst);
        });
    });
    group.bench_function("iobuf_burst", |b| {
        b.iter(|| {
            let mut burst = IOBUF_SMALL.try_get_burst::<BURST>();
            assert_eq!(burst.len(), BURST, "a lone thread saw an empty pool");
            for (i, buf) in burst.iter_mut().enumerate() {
                buf[0] = i as u8;
            }
            drop(burst);
        });
    });
    group.bench_function("iobuf_cached", |b| {
        SmallCache::with(|cache| {
            b.iter(|| {
                let mut burst = cache.try_get_burst::<BURST>();
                assert_eq!(burst.len(), BURST, "a lone thread saw an empty pool");
                for (i, buf) in burst.iter_mut().enumerate() {
                    buf[0] = i as u8;
                }
                drop(burst);
            });
        });
    });
    group.finish();
}

fn hand_off(c: &mut Criterion) {
    let mut group = c.benchmark_group("hand_off");
    hand_off_peer(&mut group, "iobuf", &IOBUF_SMALL);
    hand_off_peer(&mut group, "iobuf_tls", &IOBUF_TLS_SMALL);
    hand_off_peer(&mut group, "crossbeam_array_queue", &*CROSSBEAM_SMALL);
    hand_off_peer(&mut group, "heapless_box_pool", &*HEAPLESS_SMALL);
    hand_off_peer(&mut group, "atomic_pool", &ATOMIC_POOL_SMALL);
    hand_off_peer(&mut group, "async_pool", &ASYNC_POOL_SMALL);
    hand_off_peer(&mut group, "mutex_vec", &*MUTEX_SMALL);
    hand_off_peer(&mut group, "system_alloc", &SYSTEM_SMALL);
    #[cfg(target_pointer_width = "64")]
    hand_off_peer(&mut group, "mimalloc", &MIMALLOC_SMALL);
    group.finish();
}

fn fill(c: &mut Criterion) {
    let mut group = c.benchmark_group("fill_4KiB");
    Fill.run(&mut group, "iobuf", &IOBUF_MEDIUM);
    Fill.run(&mut group, "iobuf_cached", &IOBUF_CACHED_MEDIUM);
    Fill.run(&mut group, "iobuf_tls", &IOBUF_TLS_MEDIUM);
    Fill.run(&mut group, "crossbeam_array_queue", &*CROSSBEAM_MEDIUM);
    Fill.run(&mut group, "heapless_box_pool", &*HEAPLESS_MEDIUM);
    Fill.run(&mut group, "atomic_pool", &ATOMIC_POOL_MEDIUM);
    Fill.run(&mut group, "async_pool", &ASYNC_POOL_MEDIUM);
    Fill.run(&mut group, "mutex_vec", &*MUTEX_MEDIUM);
    Fill.run(&mut group, "system_alloc", &SYSTEM_MEDIUM);
    #[cfg(target_pointer_width = "64")]
    Fill.run(&mut group, "mimalloc", &MIMALLOC_MEDIUM);
    Fill.run(&mut group, "go_reference", &*GO_REFERENCE_MEDIUM);
    group.finish();

    let mut group = c.benchmark_group("fill_64KiB");
    Fill.run(&mut group, "iobuf", &IOBUF_HUGE);
    Fill.run(&mut group, "iobuf_cached", &IOBUF_CACHED_HUGE);
    Fill.run(&mut group, "iobuf_tls", &IOBUF_TLS_HUGE);
    Fill.run(&mut group, "crossbeam_array_queue", &*CROSSBEAM_HUGE);
    Fill.run(&mut group, "heapless_box_pool", &*HEAPLESS_HUGE);
    Fill.run(&mut group, "atomic_pool", &ATOMIC_POOL_HUGE);
    Fill.run(&mut group, "async_pool", &ASYNC_POOL_HUGE);
    Fill.run(&mut group, "mutex_vec", &*MUTEX_HUGE);
    Fill.run(&mut group, "system_alloc", &SYSTEM_HUGE);
    #[cfg(target_pointer_width = "64")]
    Fill.run(&mut group, "mimalloc", &MIMALLOC_HUGE);
    Fill.run(&mut group, "go_reference", &*GO_REFERENCE_HUGE);
    group.finish();
}

/// Short runs: the whole suite takes a few minutes on two cores.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = single, shared, burst, bulk, hand_off, fill
}
criterion_main!(benches);
