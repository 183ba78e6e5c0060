//! Random sequences of pool operations, checked step by step against a
//! model: the same successes, the same typed errors, the same buffer handed
//! out (the hot slot, else the FIFO ring; see `model/free.rs`), buffer
//! contents kept, and every buffer accounted for at the end.
//!
//! Covers static pools of several capacities and runtime pools, guards, bulk
//! get and put, bursts, raw hand-off, and checked re-entry of raw ids that are valid, foreign (out of
//! range), stale or repeated (already re-entered), free, or held by a guard.

#![no_main]

use arbitrary::Arbitrary;
use iobuf::sys::RuntimePool;
use iobuf::{BoundedPool, BufIndex, Burst, Guard, PoolEmpty, PoolStats, RawIndexError};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use std::ops::DerefMut;

#[path = "model/free.rs"]
mod free;
use free::FreeModel;

type Buffer = [u8; 16];

#[derive(Arbitrary, Debug)]
enum Op {
    /// `try_get`, then stamp the buffer.
    Get { stamp: u8 },
    /// Drop the `k`-th held guard (modulo how many are held).
    Return { k: u8 },
    /// Give up the `k`-th held guard for a raw id.
    IntoRaw { k: u8 },
    /// Re-enter an id with `from_raw_checked`.
    Reenter { which: Id },
    /// `try_get_bulk::<8>()`, then stamp every buffer.
    GetBulk { stamp: u8 },
    /// `put_bulk` the last `n` held guards.
    PutBulk { n: u8 },
    /// `try_get_burst::<8>()`, then stamp every buffer; the burst is held.
    GetBurst { stamp: u8 },
    /// Drop the `k`-th held burst (all its buffers back to the ring).
    DropBurst { k: u8 },
    /// Compare `stats()` with the model.
    Count,
}

/// Which id to re-enter; each class has its own expected outcome.
#[derive(Arbitrary, Debug)]
enum Id {
    /// One of the ids out in raw form (the valid case), if any.
    Raw(u8),
    /// Any number: out of range, free, held or raw.
    Any(u32),
    /// The id most recently handed back (stale, repeated).
    Last,
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// Which pool: static ones of capacity 1, 2, 3, 8, 64, filled ones of 3
    /// and 8, or runtime.
    pool: u8,
    /// Capacity of a runtime pool, 1 to 64.
    capacity: u8,
    ops: Vec<Op>,
}

/// A held guard of either pool kind.
trait Held: DerefMut<Target = Buffer> {
    fn index(&self) -> BufIndex;
    fn into_raw(self) -> BufIndex;
}

impl<const N: usize> Held for Guard<'_, BoundedPool<Buffer, N>> {
    fn index(&self) -> BufIndex {
        Guard::index(self)
    }
    fn into_raw(self) -> BufIndex {
        Guard::into_raw(self)
    }
}

impl Held for Guard<'_, RuntimePool<Buffer>> {
    fn index(&self) -> BufIndex {
        Guard::index(self)
    }
    fn into_raw(self) -> BufIndex {
        Guard::into_raw(self)
    }
}

/// A held burst of either pool kind: its buffers, buffer 0 first.
trait HeldBurst {
    fn indices(&self) -> Vec<u32>;
    fn buffer(&mut self, i: usize) -> &mut Buffer;
}

impl<const N: usize> HeldBurst for Burst<&BoundedPool<Buffer, N>, 8> {
    fn indices(&self) -> Vec<u32> {
        (0..self.len()).map(|i| self.buf_index(i).get()).collect()
    }
    fn buffer(&mut self, i: usize) -> &mut Buffer {
        &mut self[i]
    }
}

impl HeldBurst for Burst<&RuntimePool<Buffer>, 8> {
    fn indices(&self) -> Vec<u32> {
        (0..self.len()).map(|i| self.buf_index(i).get()).collect()
    }
    fn buffer(&mut self, i: usize) -> &mut Buffer {
        &mut self[i]
    }
}

/// The pool operations under test, whatever the pool.
struct Pool<T, R, S, B, P, U> {
    try_get: T,
    reenter: R,
    stats: S,
    get_bulk: B,
    put_bulk: P,
    get_burst: U,
}

/// Runs `ops` on the pool and on the model side by side.
fn check<G: Held, U: HeldBurst>(
    capacity: usize,
    ops: &[Op],
    pool: Pool<
        impl Fn() -> Result<G, PoolEmpty>,
        impl Fn(BufIndex) -> Result<G, RawIndexError>,
        impl Fn() -> PoolStats,
        impl Fn() -> Vec<G>,
        impl Fn(Vec<G>),
        impl Fn() -> U,
    >,
) {
    let mut free = FreeModel::full(capacity);
    let mut raw: BTreeSet<u32> = BTreeSet::new();
    let mut stamps = vec![0u8; capacity];
    let mut held: Vec<G> = Vec::new();
    let mut bursts: Vec<U> = Vec::new();
    let mut last = 0u32;

    for op in ops {
        match *op {
            Op::Get { stamp } => match (pool.try_get)() {
                Ok(mut buf) => {
                    let expected = free.take().expect("got a buffer from an empty pool");
                    let index = buf.index().get();
                    assert_eq!(index, expected, "not the buffer the model predicts");
                    let i = index as usize;
                    assert!(buf.iter().all(|&b| b == stamps[i]), "contents changed");
                    buf.fill(stamp);
                    stamps[i] = stamp;
                    held.push(buf);
                }
                Err(PoolEmpty) => assert!(free.is_empty(), "false empty"),
            },
            Op::Return { k } if !held.is_empty() => {
                let buf = held.swap_remove(usize::from(k) % held.len());
                last = buf.index().get();
                free.give(last);
            }
            Op::IntoRaw { k } if !held.is_empty() => {
                let buf = held.swap_remove(usize::from(k) % held.len());
                let id = buf.into_raw().get();
                assert!(raw.insert(id), "raw id {id} issued twice");
            }
            Op::Reenter { ref which } => {
                let id = match *which {
                    Id::Raw(k) if !raw.is_empty() => {
                        *raw.iter().nth(usize::from(k) % raw.len()).unwrap()
                    }
                    Id::Raw(k) => u32::from(k),
                    Id::Any(n) => n,
                    Id::Last => last,
                };
                let result = (pool.reenter)(BufIndex::new(id));
                if id as usize >= capacity {
                    assert_eq!(
                        result.err(),
                        Some(RawIndexError::OutOfRange {
                            index: BufIndex::new(id),
                            capacity
                        })
                    );
                } else if raw.remove(&id) {
                    let buf = result.expect("a raw id was refused");
                    assert_eq!(buf.index().get(), id);
                    assert!(buf.iter().all(|&b| b == stamps[id as usize]));
                    held.push(buf);
                    last = id;
                } else {
                    assert_eq!(
                        result.err(),
                        Some(RawIndexError::NotCheckedOut {
                            index: BufIndex::new(id)
                        })
                    );
                }
            }
            Op::GetBulk { stamp } => {
                let burst = (pool.get_bulk)();
                let expected = free.take_bulk(8);
                assert_eq!(burst.len(), expected.len(), "bulk took the wrong number");
                for (mut buf, expected) in burst.into_iter().zip(expected) {
                    assert_eq!(buf.index().get(), expected, "not the model's order");
                    let i = expected as usize;
                    assert!(buf.iter().all(|&b| b == stamps[i]), "contents changed");
                    buf.fill(stamp);
                    stamps[i] = stamp;
                    held.push(buf);
                }
            }
            Op::PutBulk { n } => {
                let n = usize::from(n).min(held.len());
                let returned: Vec<G> = held.split_off(held.len() - n);
                free.give_bulk(returned.iter().map(|g| g.index().get()));
                if let Some(g) = returned.last() {
                    last = g.index().get();
                }
                (pool.put_bulk)(returned);
            }
            Op::GetBurst { stamp } => {
                let mut burst = (pool.get_burst)();
                let expected = free.take_bulk(8);
                assert_eq!(burst.indices(), expected, "not the model's burst");
                for (i, &index) in expected.iter().enumerate() {
                    let buf = burst.buffer(i);
                    assert!(buf.iter().all(|&b| b == stamps[index as usize]));
                    buf.fill(stamp);
                    stamps[index as usize] = stamp;
                }
                bursts.push(burst);
            }
            Op::DropBurst { k } if !bursts.is_empty() => {
                let burst = bursts.remove(usize::from(k) % bursts.len());
                free.give_bulk(burst.indices());
            }
            Op::Count => {
                let stats = (pool.stats)();
                assert_eq!(stats.capacity, capacity);
                assert_eq!(stats.available, free.len());
                let in_bursts: usize = bursts.iter().map(|b| b.indices().len()).sum();
                assert_eq!(stats.in_use(), held.len() + raw.len() + in_bursts);
            }
            Op::Return { .. } | Op::IntoRaw { .. } | Op::DropBurst { .. } => {}
        }
    }

    // Everything comes back: raw ids re-entered, guards dropped.
    for id in std::mem::take(&mut raw) {
        let buf = (pool.reenter)(BufIndex::new(id)).expect("raw id refused at the end");
        held.push(buf);
    }
    drop(held);
    drop(bursts);
    assert_eq!((pool.stats)().available, capacity);
    let all: Vec<G> = std::iter::from_fn(|| (pool.try_get)().ok()).collect();
    let distinct: BTreeSet<u32> = all.iter().map(|g| g.index().get()).collect();
    assert_eq!(distinct.len(), capacity, "buffers lost or duplicated");
}

fn check_static<const N: usize>(ops: &[Op]) {
    check_bounded(&BoundedPool::<Buffer, N>::new(), ops);
}

/// A pool that starts empty and is filled (its ring starts on lap `-1`):
/// afterwards it behaves exactly as a pool that started full.
fn check_filled<const N: usize>(ops: &[Op]) {
    let pool = BoundedPool::<Buffer, N>::unfilled();
    pool.fill(|_| [0; 16]).expect("a fresh unfilled pool");
    check_bounded(&pool, ops);
}

fn check_bounded<const N: usize>(pool: &BoundedPool<Buffer, N>, ops: &[Op]) {
    check(
        N,
        ops,
        Pool {
            try_get: || pool.try_get(),
            reenter: |id| pool.from_raw_checked(id),
            stats: || pool.stats(),
            get_bulk: || pool.try_get_bulk::<8>().into_iter().collect(),
            put_bulk: |guards| pool.put_bulk(guards),
            get_burst: || pool.try_get_burst::<8>(),
        },
    );
}

fn check_runtime(capacity: usize, ops: &[Op]) {
    let pool = RuntimePool::<Buffer>::new(capacity).expect("a small runtime pool");
    check(
        capacity,
        ops,
        Pool {
            try_get: || pool.try_get(),
            reenter: |id| pool.from_raw_checked(id),
            stats: || pool.stats(),
            get_bulk: || pool.try_get_bulk::<8>().into_iter().collect(),
            put_bulk: |guards| pool.put_bulk(guards),
            get_burst: || pool.try_get_burst::<8>(),
        },
    );
}

fuzz_target!(|input: Input| {
    match input.pool % 8 {
        0 => check_static::<1>(&input.ops),
        1 => check_static::<2>(&input.ops),
        2 => check_static::<3>(&input.ops),
        3 => check_static::<8>(&input.ops),
        4 => check_static::<64>(&input.ops),
        5 => check_filled::<3>(&input.ops),
        6 => check_filled::<8>(&input.ops),
        _ => check_runtime(usize::from(input.capacity % 64) + 1, &input.ops),
    }
});
