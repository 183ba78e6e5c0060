//! A DMA receive loop on a static buffer pool, written the way firmware is.
//!
//! An Ethernet-style receiver shares a ring of receive descriptors with its
//! DMA engine. The driver *arms* a descriptor with an empty buffer and sets
//! its OWN bit; the engine writes a frame into the buffer, stores the length
//! and clears OWN; the receive interrupt takes the filled buffer back, queues
//! it for the application and re-arms the descriptor with a fresh buffer.
//!
//! With iobuf:
//!
//! * All buffers are one `static` [`SmallPool<1024>`](iobuf::SmallPool):
//!   all zero bytes, so it sits in `.bss` (1 MiB: an STM32H7 / i.MX RT class
//!   part; shrink `RX_BUFFERS` for smaller ones) and costs no flash and no
//!   start-up copy.
//! * Arming: `try_get()` (never blocks, safe in an interrupt handler), then
//!   `into_raw()`; the index goes in the descriptor's software word and
//!   `item_ptr(index)` in its address word.
//! * Completion: `from_raw_checked(index)` turns the descriptor back into a
//!   `Guard`; a corrupted or repeated index is a typed error, never a second
//!   owner of a buffer.
//! * The application processes the frame and drops the guard: the buffer is
//!   free again.
//! * When every buffer is out (`PoolEmpty`), the descriptor stays unarmed,
//!   the engine drops the frames that find no armed descriptor (counted as
//!   overruns, as real MACs do) and the next interrupt retries the refill.
//!
//! On the host, `cargo run --example firmware_dma` runs a bounded simulation
//! with a stalling application (so the pool does run dry) and checks that
//! every buffer is back in the pool at the end. For a bare-metal target,
//!
//! ```text
//! cargo build --release --example firmware_dma \
//!     --target thumbv7em-none-eabihf --no-default-features
//! ```
//!
//! links an image whose entry point is `_start`. It uses no runtime crate and
//! no linker script, so it is for inspecting symbols and instructions (`.ci/`
//! checks that the pool is in `.bss` and that the get/put path has no
//! critical section), not for flashing.

#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]

use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use iobuf::{BufIndex, Guard, SMALL_SIZE, SmallPool};

/// Receive buffers in the pool.
const RX_BUFFERS: usize = 1024;
/// Descriptors in the DMA ring (a power of two, like most MACs want).
const RX_RING_LEN: usize = 8;

type RxPool = SmallPool<RX_BUFFERS>;
/// A received frame's buffer, owned by software.
type RxBuffer = Guard<'static, RxPool>;

/// Every receive buffer. All zero bytes, so it is placed in `.bss`.
static RX_POOL: RxPool = SmallPool::new();

/// The descriptor ring shared with the DMA engine. All zero bytes (every
/// descriptor unarmed), so it is in `.bss` too.
static RX_DESCRIPTORS: [RxDescriptor; RX_RING_LEN] = [const { RxDescriptor::new() }; RX_RING_LEN];

/// `status`: the DMA engine owns the descriptor.
const OWN: u32 = 1 << 31;
/// `status`: the length of the received frame.
const LENGTH_MASK: u32 = 0xFFFF;

/// One receive descriptor, shaped like those of common Ethernet DMA engines
/// (a status word and a buffer address), plus one word for the driver.
///
/// The fields are atomics because the engine reads and writes them behind
/// the compiler's back. A real driver uses volatile accesses and a barrier;
/// the release store and acquire load of `status` give both here.
struct RxDescriptor {
    /// `OWN` set: armed and owned by the engine. `OWN` clear on an armed
    /// descriptor: the engine has written a frame of `status & LENGTH_MASK`
    /// bytes.
    status: AtomicU32,
    /// Address of the attached buffer, null while unarmed. Written by the
    /// driver before it sets `OWN`.
    buffer: AtomicPtr<u8>,
    /// Driver-only: the raw [`BufIndex`] of the attached buffer.
    buffer_index: AtomicU32,
}

impl RxDescriptor {
    const fn new() -> Self {
        Self {
            status: AtomicU32::new(0),
            buffer: AtomicPtr::new(ptr::null_mut()),
            buffer_index: AtomicU32::new(0),
        }
    }

    fn is_armed(&self) -> bool {
        !self.buffer.load(Ordering::Relaxed).is_null()
    }

    /// Attaches a buffer given up with `into_raw` and hands the descriptor to
    /// the engine.
    fn arm(&self, index: BufIndex) {
        // An index the pool just handed out is always in range.
        let address = RX_POOL.item_ptr(index).expect("index from RX_POOL");
        self.buffer_index.store(index.get(), Ordering::Relaxed);
        self.buffer
            .store(address.as_ptr().cast(), Ordering::Relaxed);
        // Release: the engine sees the address once it sees OWN.
        self.status.store(OWN, Ordering::Release);
    }

    /// Detaches the buffer and returns its index and the frame length.
    /// Software must own the descriptor (`OWN` clear, or the engine stopped).
    fn disarm(&self) -> (BufIndex, usize) {
        let length = (self.status.load(Ordering::Acquire) & LENGTH_MASK) as usize;
        let index = BufIndex::new(self.buffer_index.load(Ordering::Relaxed));
        self.buffer.store(ptr::null_mut(), Ordering::Relaxed);
        self.status.store(0, Ordering::Relaxed);
        (index, length)
    }
}

/// A frame waiting for the application.
struct Frame {
    buffer: RxBuffer,
    length: usize,
}

/// What the loop counts. Frames offered = received + overruns.
#[derive(Default)]
struct Stats {
    /// Frames the engine had to offer.
    offered: u64,
    /// Frames written into a buffer and handed to the application.
    received: u64,
    /// Frames dropped by the engine: no armed descriptor (pool ran dry).
    overruns: u64,
    /// Refills that found the pool empty (`PoolEmpty`).
    refill_misses: u64,
    /// Completions whose index `from_raw_checked` rejected.
    bad_completions: u64,
    /// Frames the application checked and released.
    processed: u64,
    /// Frames whose contents were not what the engine wrote.
    corrupt: u64,
    /// The most frames ever waiting for the application.
    backlog_high_water: usize,
}

/// Stand-in for the DMA engine: delivers a few frames per tick into the
/// descriptor at its cursor, and stalls on a descriptor it does not own.
struct SimulatedDma {
    next: usize,
    sequence: u32,
    random: u32,
}

impl SimulatedDma {
    const fn new() -> Self {
        Self {
            next: 0,
            sequence: 0,
            random: 0x2545_F491,
        }
    }

    /// xorshift32: deterministic traffic.
    fn random(&mut self) -> u32 {
        self.random ^= self.random << 13;
        self.random ^= self.random >> 17;
        self.random ^= self.random << 5;
        self.random
    }

    /// Zero to four frames of 60 to 1024 bytes arrive.
    fn receive_burst(&mut self, stats: &mut Stats) {
        for _ in 0..self.random() % 5 {
            let length = 60 + (self.random() as usize) % (SMALL_SIZE - 59);
            self.sequence = self.sequence.wrapping_add(1);
            stats.offered += 1;
            let descriptor = &RX_DESCRIPTORS[self.next];
            // Acquire: pairs with the release in `arm`, so `buffer` is set.
            if descriptor.status.load(Ordering::Acquire) & OWN == 0 {
                stats.overruns += 1;
                continue;
            }
            let address = descriptor.buffer.load(Ordering::Relaxed);
            // SAFETY: OWN is set, so the driver armed this descriptor with a
            // buffer it gave up through `into_raw`: no guard exists for it
            // and only the engine touches it until OWN is cleared. `address`
            // came from `RX_POOL.item_ptr`, which points to SMALL_SIZE bytes
            // that live as long as the static pool.
            let buffer = unsafe { core::slice::from_raw_parts_mut(address, SMALL_SIZE) };
            write_frame(&mut buffer[..length], self.sequence);
            // Release: the frame bytes are visible to whoever sees OWN clear.
            descriptor.status.store(length as u32, Ordering::Release);
            self.next = (self.next + 1) % RX_RING_LEN;
        }
    }
}

/// A frame: its sequence number, then a pattern derived from it.
fn write_frame(frame: &mut [u8], sequence: u32) {
    let (header, payload) = frame.split_first_chunk_mut().expect("frames >= 4 bytes");
    *header = sequence.to_le_bytes();
    for (offset, byte) in payload.iter_mut().enumerate() {
        *byte = pattern(sequence, offset);
    }
}

fn pattern(sequence: u32, offset: usize) -> u8 {
    (sequence as u8) ^ (offset as u8)
}

/// The driver's side of the ring: what the receive interrupt runs.
struct RxDriver {
    /// Next descriptor to reap (the engine fills them in ring order).
    reap: usize,
    /// Next descriptor to arm.
    refill: usize,
}

impl RxDriver {
    const fn new() -> Self {
        Self { reap: 0, refill: 0 }
    }

    /// The receive interrupt: reaps the filled descriptors in ring order,
    /// queues their frames, then re-arms every unarmed descriptor it can.
    /// Never blocks.
    fn on_interrupt(&mut self, backlog: &mut Backlog, stats: &mut Stats) {
        loop {
            let descriptor = &RX_DESCRIPTORS[self.reap];
            // Acquire: pairs with the engine's release, so the frame is
            // visible before the buffer is read.
            if !descriptor.is_armed() || descriptor.status.load(Ordering::Acquire) & OWN != 0 {
                break;
            }
            let (index, length) = descriptor.disarm();
            match RX_POOL.from_raw_checked(index) {
                Ok(buffer) => {
                    stats.received += 1;
                    backlog.push(Frame { buffer, length });
                    stats.backlog_high_water = stats.backlog_high_water.max(backlog.len);
                }
                // A corrupted descriptor: count it, lose no buffer.
                Err(_) => stats.bad_completions += 1,
            }
            self.reap = (self.reap + 1) % RX_RING_LEN;
        }
        self.refill(stats);
    }

    /// Arms unarmed descriptors in ring order until all are armed or the
    /// pool is empty. Called at start-up and by every interrupt.
    fn refill(&mut self, stats: &mut Stats) {
        while !RX_DESCRIPTORS[self.refill].is_armed() {
            match RX_POOL.try_get() {
                Ok(buffer) => RX_DESCRIPTORS[self.refill].arm(buffer.into_raw()),
                Err(iobuf::PoolEmpty) => {
                    // Every buffer is queued for the application. Leave the
                    // descriptor unarmed; the next interrupt tries again.
                    stats.refill_misses += 1;
                    return;
                }
            }
            self.refill = (self.refill + 1) % RX_RING_LEN;
        }
    }

    /// Link down: with the engine stopped, takes every armed buffer back.
    #[cfg(not(target_os = "none"))]
    fn stop(&mut self, backlog: &mut Backlog, stats: &mut Stats) {
        self.on_interrupt(backlog, stats); // frames already received
        for descriptor in &RX_DESCRIPTORS {
            if descriptor.is_armed() {
                let (index, _) = descriptor.disarm();
                match RX_POOL.from_raw_checked(index) {
                    Ok(buffer) => drop(buffer),
                    Err(_) => stats.bad_completions += 1,
                }
            }
        }
    }
}

/// Frames waiting for the application, oldest first. As long as the pool,
/// so it never overflows: every entry holds a distinct buffer.
struct Backlog {
    frames: [Option<Frame>; RX_BUFFERS],
    head: usize,
    len: usize,
}

impl Backlog {
    const fn new() -> Self {
        Self {
            frames: [const { None }; RX_BUFFERS],
            head: 0,
            len: 0,
        }
    }

    fn push(&mut self, frame: Frame) {
        debug_assert!(self.len < RX_BUFFERS, "more frames than buffers");
        self.frames[(self.head + self.len) % RX_BUFFERS] = Some(frame);
        self.len += 1;
    }

    fn pop(&mut self) -> Option<Frame> {
        let frame = self.frames[self.head].take()?;
        self.head = (self.head + 1) % RX_BUFFERS;
        self.len -= 1;
        Some(frame)
    }
}

/// The application: checks frames and releases their buffers.
struct Application {
    last_sequence: u32,
}

impl Application {
    /// Processes up to `budget` frames; each buffer goes back to the pool
    /// when its guard drops at the end of the iteration.
    fn process(&mut self, backlog: &mut Backlog, budget: usize, stats: &mut Stats) {
        for _ in 0..budget {
            let Some(frame) = backlog.pop() else { return };
            stats.processed += 1;
            let Some((header, payload)) = frame.buffer[..frame.length].split_first_chunk() else {
                stats.corrupt += 1; // a runt frame
                continue;
            };
            let sequence = u32::from_le_bytes(*header);
            let intact = payload
                .iter()
                .enumerate()
                .all(|(offset, &byte)| byte == pattern(sequence, offset));
            // Overruns leave gaps, but frames never arrive out of order.
            if !intact || sequence.wrapping_sub(self.last_sequence) as i32 <= 0 {
                stats.corrupt += 1;
            }
            self.last_sequence = sequence;
        }
    }
}

/// Ticks per application cycle, and how many of them at its end the
/// application is busy (say, erasing flash) and processes nothing: long
/// enough for the pool to run dry.
const CYCLE_TICKS: u32 = 2000;
const STALL_TICKS: u32 = 700;
/// Frames the application processes per tick when not busy.
const PROCESS_BUDGET: usize = 8;

/// Everything the firmware runs: engine, interrupt and main loop.
struct System {
    dma: SimulatedDma,
    driver: RxDriver,
    backlog: Backlog,
    application: Application,
    stats: Stats,
    tick: u32,
}

impl System {
    fn start() -> Self {
        let mut system = Self {
            dma: SimulatedDma::new(),
            driver: RxDriver::new(),
            backlog: Backlog::new(),
            application: Application { last_sequence: 0 },
            stats: Stats::default(),
            tick: 0,
        };
        system.driver.refill(&mut system.stats);
        system
    }

    /// One pass: frames arrive, the interrupt fires, the main loop runs.
    fn tick(&mut self) {
        self.dma.receive_burst(&mut self.stats);
        self.driver.on_interrupt(&mut self.backlog, &mut self.stats);
        let busy = self.tick % CYCLE_TICKS >= CYCLE_TICKS - STALL_TICKS;
        let budget = if busy { 0 } else { PROCESS_BUDGET };
        self.application
            .process(&mut self.backlog, budget, &mut self.stats);
        self.tick = self.tick.wrapping_add(1);
    }
}

/// Bare-metal entry point: the receive loop, forever.
#[cfg(target_os = "none")]
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let mut system = System::start();
    loop {
        system.tick();
    }
}

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Host: a bounded run, then a check that every buffer came back.
#[cfg(not(target_os = "none"))]
fn main() {
    const TICKS: u32 = 10_000;

    let mut system = System::start();
    for _ in 0..TICKS {
        system.tick();
    }
    // Link down: reclaim the armed buffers, then let the application drain.
    let System {
        driver,
        backlog,
        application,
        stats,
        ..
    } = &mut system;
    driver.stop(backlog, stats);
    application.process(backlog, usize::MAX, stats);

    let in_use = RX_POOL.capacity() - RX_POOL.available();
    println!(
        "firmware_dma: {TICKS} ticks, {} frames offered",
        stats.offered
    );
    println!(
        "  received {}, processed {}, corrupt {}",
        stats.received, stats.processed, stats.corrupt
    );
    println!(
        "  dropped {} (no armed descriptor), refill misses (PoolEmpty) {}",
        stats.overruns, stats.refill_misses
    );
    println!(
        "  backlog high-water {}, buffers in use at end {in_use}/{}",
        stats.backlog_high_water,
        RX_POOL.capacity()
    );

    assert_eq!(stats.offered, stats.received + stats.overruns);
    assert_eq!(stats.received, stats.processed);
    assert_eq!((stats.corrupt, stats.bad_completions), (0, 0));
    assert!(stats.refill_misses > 0, "the stall should drain the pool");
    assert_eq!(in_use, 0, "every buffer is back in the pool");
}
