//! Random sequences of operations on two `LocalCache`s in front of one pool,
//! checked step by step against a model: the pool's free buffers are the
//! hot slot in front of a FIFO ring (`model/free.rs`), each cache a LIFO
//! stack with the documented refill (half its capacity, or
//! what a bulk take needs) and spill (its older half) sizes. Every step must
//! hand out exactly the buffer the model predicts, keep buffer contents, and
//! report empty only when the model is empty; at the end every buffer is
//! back in the pool, once.

#![no_main]

use arbitrary::Arbitrary;
use iobuf::{BoundedPool, CachedBurst, CachedGuard, Guard, LocalCache, PoolEmpty};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;

#[path = "model/free.rs"]
mod free;
use free::FreeModel;

type Buffer = [u8; 16];
const N: usize = 16;
type Pool = BoundedPool<Buffer, N>;

#[derive(Arbitrary, Debug)]
enum Op {
    /// `try_get` on cache `c`, then stamp the buffer.
    Get { c: bool, stamp: u8 },
    /// `try_get_bulk::<5>` on cache `c`, then stamp every buffer.
    GetBulk { c: bool, stamp: u8 },
    /// Drop the `k`-th guard of cache `c` (parks it there).
    Drop { c: bool, k: u8 },
    /// `put_bulk` the last `n` guards of cache `c`.
    PutBulk { c: bool, n: u8 },
    /// `try_get_burst::<5>` on cache `c`, then stamp every buffer.
    GetBurst { c: bool, stamp: u8 },
    /// Drop the `k`-th burst of cache `c` (parks its buffers there).
    DropBurst { c: bool, k: u8 },
    /// Turn the `k`-th guard of cache `c` into a pool guard.
    IntoShared { c: bool, k: u8 },
    /// Park the `k`-th pool guard in cache `c`.
    Put { c: bool, k: u8 },
    /// Drop the `k`-th pool guard (into the hot slot, else the ring).
    DropShared { k: u8 },
    /// `try_get` on the pool directly.
    PoolGet { stamp: u8 },
    /// `flush` cache `c`.
    Flush { c: bool },
    /// Compare lengths and `available()` with the model.
    Count,
}

/// The model of one cache: its stack (newest last), capacity and guards.
struct CacheModel {
    stack: Vec<u32>,
    capacity: usize,
}

impl CacheModel {
    fn half(&self) -> usize {
        self.capacity.div_ceil(2)
    }

    /// What `try_get` hands out, moving indices from the pool as it
    /// refills (the ring's oldest, then one single get if the ring ran dry).
    fn take(&mut self, free: &mut FreeModel, wanted: usize) -> Option<u32> {
        if self.stack.is_empty() {
            let count = wanted.clamp(self.half(), self.capacity);
            self.stack.extend(free.refill(count));
        }
        self.stack.pop()
    }

    fn park(&mut self, free: &mut FreeModel, index: u32) {
        if self.stack.len() == self.capacity {
            let half = self.half();
            free.give_bulk(self.stack.drain(..half));
        }
        self.stack.push(index);
    }
}

struct Side<'c, const C: usize> {
    cache: &'c LocalCache<'c, Pool, C>,
    model: CacheModel,
    held: Vec<CachedGuard<'c, 'c, Pool, C>>,
    bursts: Vec<CachedBurst<'c, 'c, Pool, C, 5>>,
}

/// Checks a guard against the model and stamps it.
fn stamp_checked(
    index: u32,
    expected: Option<u32>,
    buf: &mut Buffer,
    stamps: &mut [u8],
    stamp: u8,
) {
    assert_eq!(Some(index), expected, "not the buffer the model predicts");
    let i = index as usize;
    assert!(buf.iter().all(|&b| b == stamps[i]), "contents changed");
    buf.fill(stamp);
    stamps[i] = stamp;
}

struct World<'c, const A: usize, const B: usize> {
    pool: &'c Pool,
    free: FreeModel,
    stamps: Vec<u8>,
    /// Pool guards.
    shared: Vec<Guard<'c, Pool>>,
    a: Side<'c, A>,
    b: Side<'c, B>,
}

/// Runs one cache operation on side `a` or `b` (same code, two capacities).
macro_rules! on_side {
    ($world:expr, $c:expr, |$side:ident, $free:ident, $stamps:ident, $shared:ident| $body:block) => {{
        let World {
            free: $free,
            stamps: $stamps,
            shared: $shared,
            a,
            b,
            ..
        } = &mut *$world;
        if $c {
            let $side = a;
            $body
        } else {
            let $side = b;
            $body
        }
    }};
}

impl<'c, const A: usize, const B: usize> World<'c, A, B> {
    fn step(&mut self, op: &Op) {
        match *op {
            Op::Get { c, stamp } => on_side!(self, c, |side, free, stamps, _shared| {
                let expected = side.model.take(free, 1);
                match side.cache.try_get() {
                    Ok(mut buf) => {
                        stamp_checked(buf.index().get(), expected, &mut buf, stamps, stamp);
                        side.held.push(buf);
                    }
                    Err(PoolEmpty) => assert_eq!(expected, None, "false empty"),
                }
            }),
            Op::GetBulk { c, stamp } => on_side!(self, c, |side, free, stamps, _shared| {
                let burst = side.cache.try_get_bulk::<5>();
                let taken = burst.len();
                for (i, mut buf) in burst.into_iter().enumerate() {
                    let expected = side.model.take(free, 5 - i);
                    stamp_checked(buf.index().get(), expected, &mut buf, stamps, stamp);
                    side.held.push(buf);
                }
                if taken < 5 {
                    assert_eq!(side.model.take(free, 5 - taken), None, "bulk took too few");
                }
            }),
            Op::GetBurst { c, stamp } => on_side!(self, c, |side, free, stamps, _shared| {
                let mut burst = side.cache.try_get_burst::<5>();
                let taken = burst.len();
                let indices: Vec<u32> = (0..taken).map(|i| burst.buf_index(i).get()).collect();
                for (i, (buf, &index)) in burst.iter_mut().zip(&indices).enumerate() {
                    let expected = side.model.take(free, 5 - i);
                    stamp_checked(index, expected, buf, stamps, stamp);
                }
                if taken < 5 {
                    assert_eq!(side.model.take(free, 5 - taken), None, "burst took too few");
                }
                side.bursts.push(burst);
            }),
            Op::DropBurst { c, k } => on_side!(self, c, |side, free, _stamps, _shared| {
                if !side.bursts.is_empty() {
                    let burst = side.bursts.swap_remove(usize::from(k) % side.bursts.len());
                    // Parked newest last, so buffer 0 ends on top again.
                    for i in (0..burst.len()).rev() {
                        side.model.park(free, burst.buf_index(i).get());
                    }
                }
            }),
            Op::Drop { c, k } => on_side!(self, c, |side, free, _stamps, _shared| {
                if !side.held.is_empty() {
                    let buf = side.held.swap_remove(usize::from(k) % side.held.len());
                    side.model.park(free, buf.index().get());
                }
            }),
            Op::PutBulk { c, n } => on_side!(self, c, |side, free, _stamps, _shared| {
                let n = usize::from(n).min(side.held.len());
                let returned = side.held.split_off(side.held.len() - n);
                for buf in &returned {
                    side.model.park(free, buf.index().get());
                }
                side.cache.put_bulk(returned);
            }),
            Op::IntoShared { c, k } => on_side!(self, c, |side, _free, _stamps, shared| {
                if !side.held.is_empty() {
                    let buf = side.held.swap_remove(usize::from(k) % side.held.len());
                    shared.push(buf.into_shared());
                }
            }),
            Op::Put { c, k } => on_side!(self, c, |side, free, _stamps, shared| {
                if !shared.is_empty() {
                    let buf = shared.swap_remove(usize::from(k) % shared.len());
                    side.model.park(free, buf.index().get());
                    side.cache.put(buf);
                }
            }),
            Op::DropShared { k } => {
                if !self.shared.is_empty() {
                    let buf = self.shared.swap_remove(usize::from(k) % self.shared.len());
                    self.free.give(buf.index().get());
                }
            }
            Op::PoolGet { stamp } => {
                let expected = self.free.take();
                match self.pool.try_get() {
                    Ok(mut buf) => {
                        stamp_checked(
                            buf.index().get(),
                            expected,
                            &mut buf,
                            &mut self.stamps,
                            stamp,
                        );
                        self.shared.push(buf);
                    }
                    Err(PoolEmpty) => assert_eq!(expected, None, "false empty"),
                }
            }
            Op::Flush { c } => on_side!(self, c, |side, free, _stamps, _shared| {
                free.give_bulk(side.model.stack.drain(..));
                side.cache.flush();
            }),
            Op::Count => {
                for burst in &self.a.bursts {
                    let distinct: BTreeSet<u32> =
                        (0..burst.len()).map(|i| burst.buf_index(i).get()).collect();
                    assert_eq!(distinct.len(), burst.len(), "a burst holds a buffer twice");
                }
                assert_eq!(self.a.cache.len(), self.a.model.stack.len());
                assert_eq!(self.b.cache.len(), self.b.model.stack.len());
                assert_eq!(self.pool.available(), self.free.len());
            }
        }
    }
}

fn run<const A: usize, const B: usize>(pool: &Pool, ops: &[Op]) {
    let cache_a = LocalCache::<_, A>::new(pool);
    let cache_b = LocalCache::<_, B>::new(pool);
    let mut world = World {
        pool,
        free: FreeModel::full(N),
        stamps: vec![0; N],
        shared: Vec::new(),
        a: Side {
            cache: &cache_a,
            model: CacheModel {
                stack: Vec::new(),
                capacity: A,
            },
            held: Vec::new(),
            bursts: Vec::new(),
        },
        b: Side {
            cache: &cache_b,
            model: CacheModel {
                stack: Vec::new(),
                capacity: B,
            },
            held: Vec::new(),
            bursts: Vec::new(),
        },
    };
    for op in ops {
        world.step(op);
    }
    drop(world);
    drop((cache_a, cache_b));
    assert_eq!(pool.available(), N, "buffers lost");
    let all: Vec<_> = std::iter::from_fn(|| pool.try_get().ok()).collect();
    let distinct: BTreeSet<u32> = all.iter().map(|g| g.index().get()).collect();
    assert_eq!(distinct.len(), N, "a buffer came back twice");
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// Which pair of cache capacities.
    shape: u8,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let pool = Box::new(Pool::new());
    match input.shape % 3 {
        0 => run::<1, 4>(&pool, &input.ops),
        1 => run::<3, 8>(&pool, &input.ops),
        _ => run::<5, 16>(&pool, &input.ops),
    }
});
