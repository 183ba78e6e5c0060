//! The main demonstration: threads sharing one static pool.
//!
//! Several threads take bursts of 1 KiB buffers from one
//! `static SmallPool<1024>`, write into them, and give them back; then a
//! buffer makes a raw round trip, as through a DMA descriptor. At the end
//! the program prints what the pool did.
//!
//! ```text
//! cargo run --release --example demo [THREADS] [PAIRS_PER_THREAD]
//! ```

use iobuf::{BufIndex, RawIndexError, SmallPool};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// 1024 buffers of 1 KiB: 1 MiB of zero bytes in `.bss`, free at start.
static POOL: SmallPool<1024> = SmallPool::new();

/// Buffers out right now, and the most ever out at once.
static OUT: AtomicUsize = AtomicUsize::new(0);
static HIGH_WATER: AtomicUsize = AtomicUsize::new(0);

/// What one worker did.
#[derive(Default)]
struct Tally {
    pairs: u64,
    empties: u64,
    checksum: u64,
}

/// Takes bursts of 1 to 16 buffers, fills a header in each, checks it and
/// returns them, until `pairs` buffers have made the round trip.
fn worker(thread: usize, pairs: u64) -> Tally {
    let mut tally = Tally::default();
    let mut burst = Vec::with_capacity(16);
    let mut seed = thread as u64 + 1;
    while tally.pairs < pairs {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let want = 1 + (seed >> 60) as usize;
        while burst.len() < want {
            match POOL.try_get() {
                Ok(mut buf) => {
                    buf[..8].copy_from_slice(&seed.to_le_bytes());
                    burst.push(buf);
                }
                Err(_) => {
                    tally.empties += 1;
                    break;
                }
            }
        }
        let out = OUT.fetch_add(burst.len(), Ordering::Relaxed) + burst.len();
        HIGH_WATER.fetch_max(out, Ordering::Relaxed);
        OUT.fetch_sub(burst.len(), Ordering::Relaxed);
        for buf in burst.drain(..) {
            assert_eq!(
                buf[..8],
                seed.to_le_bytes(),
                "buffer shared between holders"
            );
            tally.checksum = tally.checksum.wrapping_add(u64::from(buf.index()));
            tally.pairs += 1;
        }
    }
    tally
}

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .map(|a| a.parse().expect("arguments: [THREADS] [PAIRS_PER_THREAD]"))
        .unwrap_or(default)
}

fn main() -> Result<(), RawIndexError> {
    let threads = arg(1, 4) as usize;
    let pairs = arg(2, 2_000_000);
    println!(
        "iobuf demo: {threads} threads sharing one static SmallPool<1024> \
         ({} buffers of {} B)",
        POOL.capacity(),
        iobuf::SMALL_SIZE
    );

    let start = Instant::now();
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| scope.spawn(move || worker(thread, pairs)))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let elapsed = start.elapsed();

    let total: u64 = tallies.iter().map(|t| t.pairs).sum();
    let empties: u64 = tallies.iter().map(|t| t.empties).sum();
    println!("  get+put pairs     {total:>14}");
    println!("  elapsed           {:>14.3} s", elapsed.as_secs_f64());
    println!(
        "  throughput        {:>14.1} M pairs/s, all threads together",
        total as f64 / elapsed.as_secs_f64() / 1e6
    );
    println!(
        "  high-water mark   {:>14} of {} buffers out at once",
        HIGH_WATER.load(Ordering::Relaxed),
        POOL.capacity()
    );
    println!("  pool found empty  {empties:>14} times");

    // A raw round trip, as through a DMA descriptor or io_uring user_data.
    let mut buf = POOL.try_get().expect("all buffers are back");
    buf[..5].copy_from_slice(b"frame");
    let id: u64 = buf.into_raw().into();
    let id = BufIndex::try_from(id).expect("ids fit in u32");
    let buf = POOL.from_raw_checked(id)?;
    println!(
        "  raw round trip    buffer {} came back holding {:?}",
        buf.index(),
        std::str::from_utf8(&buf[..5]).unwrap()
    );
    drop(buf);
    match POOL.from_raw_checked(id) {
        Err(error) => println!("  re-entered twice  rejected: {error}"),
        Ok(_) => unreachable!("a second re-entry must be rejected"),
    }

    let free = POOL.available();
    println!("  free at the end   {free:>14} of {}", POOL.capacity());
    assert_eq!(free, POOL.capacity(), "a buffer was lost");
    Ok(())
}
