//! The test, the same on every machine: a main loop and a timer interrupt
//! handler share one static pool.
//!
//! * Both take buffers (`try_get`), hold some of them across many
//!   interrupts, and return them (drop). Each stamps every buffer it takes
//!   (owner, index and a sequence number, at both ends of the buffer) and
//!   re-checks the stamp while holding it and before returning it: a second
//!   owner of the buffer would have overwritten it. An owner map (one byte
//!   per buffer: free, main, handler, in raw form) catches a buffer handed
//!   out while someone holds it, at the moment it is handed out.
//! * The handler also gives buffers up in raw form (`into_raw`) and posts
//!   the ids, with their stamps, in a four-entry single-producer,
//!   single-consumer mailbox (loads and stores only, so it works on
//!   thumbv6m too); the main loop re-enters each with `from_raw_checked`,
//!   which must succeed, and then tries the same id again, a stale copy,
//!   which must be refused: while it holds the buffer (right away, and
//!   again each time it re-checks a kept one), or right after returning it
//!   (interrupts masked, so that the handler cannot take it again and give
//!   it up in raw form in between). A refusal must be `NotCheckedOut` with
//!   that id. Ids at and above `N` must be refused with `OutOfRange` (id and
//!   capacity).
//! * The main loop takes about half the buffers it returns (picked at
//!   random) through raw form first (`into_raw`, then `from_raw_checked`,
//!   which must succeed).
//! * Re-entries happen at random points between interrupts, so interrupts
//!   land inside every kind of pool call.
//! * The main loop alternates phases of taking and of returning, so the
//!   pool runs dry (`PoolEmpty`) in both contexts many times.
//! * A `PoolEmpty` in the handler must be real: the main loop is frozen
//!   while the handler runs, so every buffer the owner map calls free must
//!   be in the pool, except the one the main loop may have in transit (see
//!   `IN_TRANSIT`). The handler counts the free entries of the owner map
//!   and fails if there are more than that.
//! * The handler counts the interrupts that land while the main loop is
//!   inside a pool call (`try_get`, drop, `into_raw`, `from_raw_checked`).
//! * The main loop fails if the interrupt count stops growing (the timer
//!   does not fire).
//! * After `TARGET_INTERRUPTS` interrupts the timer stops; the main loop
//!   returns everything, checks that every buffer is back (`available() ==
//!   capacity()`), takes all `N` (distinct indices, then `PoolEmpty`),
//!   prints one summary line and exits with status 0 through semihosting.
//!   Any mismatch exits with status 1, a panic with 101, a fault with 3;
//!   every failure prints one line `FAIL [<target>, seed <seed>]: ...`.
//!
//! Every choice (intervals, slots, phases' steps) comes from the seed
//! (`SEED`), fixed at build time by `IOBUF_QEMU_SEED`; under `-icount
//! shift=0` the same image replays the same run.

use crate::platform::{self, BUFFERS, NAME, Pool};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU8, AtomicU32, Ordering, compiler_fence};
use iobuf::{BufIndex, Guard, RawIndexError};

/// The seed of every pseudo-random choice: `IOBUF_QEMU_SEED` at build time
/// (decimal, below 2^32; `.ci/qemu.sh` sets it), 0 when unset. It is in the
/// summary line and in every failure message: `IOBUF_QEMU_SEED=<seed> bash
/// .ci/qemu.sh` rebuilds the same images.
pub const SEED: u32 = match option_env!("IOBUF_QEMU_SEED") {
    Some(seed) => parse_seed(seed),
    None => 0,
};

/// `SEED`'s parser, at compile time: a bad value fails the build.
const fn parse_seed(seed: &str) -> u32 {
    let digits = seed.as_bytes();
    assert!(!digits.is_empty(), "IOBUF_QEMU_SEED is empty");
    let mut value: u64 = 0;
    let mut i = 0;
    while i < digits.len() {
        assert!(
            digits[i].is_ascii_digit(),
            "IOBUF_QEMU_SEED is not a decimal number"
        );
        value = value * 10 + (digits[i] - b'0') as u64;
        assert!(
            value <= u32::MAX as u64,
            "IOBUF_QEMU_SEED is above 2^32 - 1"
        );
        i += 1;
    }
    value as u32
}

/// Timer interrupts before the end of the run.
const TARGET_INTERRUPTS: u32 = 100_000;
/// Interval between interrupts, in instructions: `INTERVAL_MIN` plus a
/// pseudo-random part below `INTERVAL_SPAN`.
const INTERVAL_MIN: u32 = 2_000;
const INTERVAL_SPAN: u32 = 3_000;
/// A main loop that runs this many iterations without reaching
/// `TARGET_INTERRUPTS` reports that the timer does not fire (an honest run
/// takes about 17 to 32 iterations an interrupt) ...
const MAX_ITERATIONS: u32 = TARGET_INTERRUPTS * 200;
/// ... and so does one whose interrupt count did not grow over this many
/// iterations (about 2 000 interrupts in an honest run).
const PROGRESS_ITERATIONS: u32 = 1 << 16;
/// The run must have had at least this many interrupts inside a pool call
/// of the main loop, or it did not test what it claims to.
const MIN_LANDINGS: u32 = 5_000;
/// ... and at least this many inside each of `try_get`, drop, `into_raw`
/// and `from_raw_checked`.
const MIN_LANDINGS_EACH: u32 = 100;

/// Buffers the main loop and the handler may hold at once (plus the
/// mailbox): more than the pool has, so that it runs dry.
const MAIN_SLOTS: usize = 16;
const HANDLER_SLOTS: usize = 4;
const MAILBOX_LEN: usize = 4;

/// Main loop iterations per phase (taking, then returning).
const PHASE_ITERATIONS: u32 = 512;

type Buf = Guard<'static, Pool>;

static POOL: Pool = Pool::new();

// --- failure --------------------------------------------------------------------

/// Prints a failure: `FAIL [<target>, seed <seed>]: <what>`. The caller
/// exits.
pub fn report(what: core::fmt::Arguments<'_>) {
    semihosting::eprintln!("FAIL [{NAME}, seed {SEED}]: {what}");
}

/// Stops the timer, prints the failure and exits with status 1.
macro_rules! fail {
    ($($arg:tt)*) => {{
        platform::stop_timer();
        report(format_args!($($arg)*));
        semihosting::process::exit(1)
    }};
}

/// A panic (one of iobuf's debug assertions, say): the failure, then exit
/// status 101.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    platform::stop_timer();
    match info.location() {
        Some(at) => report(format_args!("panic at {at}: {}", info.message())),
        None => report(format_args!("panic: {}", info.message())),
    }
    semihosting::process::exit(101)
}

// --- stamps and owners ------------------------------------------------------------

/// Owners, in the owner map and in stamps.
const FREE: u8 = 0;
const MAIN: u8 = 1;
const HANDLER: u8 = 2;
const RAW: u8 = 3;

fn owner_name(owner: u8) -> &'static str {
    match owner {
        FREE => "nobody",
        MAIN => "the main loop",
        HANDLER => "the handler",
        RAW => "the mailbox (raw form)",
        _ => "?",
    }
}

/// Who holds each buffer, as far as the test knows. Set right after a
/// buffer is taken (or re-entered), cleared right before it is returned.
static OWNERS: [AtomicU8; BUFFERS] = [const { AtomicU8::new(FREE) }; BUFFERS];

/// Records that `owner` just received buffer `index`, which nobody may hold.
fn claim(index: BufIndex, owner: u8, how: &str) {
    let i = index.as_usize();
    if i >= BUFFERS {
        fail!("{how} returned index {i}, out of range (N = {BUFFERS})");
    }
    let previous = OWNERS[i].load(Ordering::Relaxed);
    if previous != FREE {
        fail!(
            "{how} gave buffer {i} to {} while {} held it",
            owner_name(owner),
            owner_name(previous)
        );
    }
    OWNERS[i].store(owner, Ordering::Relaxed);
}

fn release(index: BufIndex) {
    OWNERS[index.as_usize()].store(FREE, Ordering::Relaxed);
}

/// A stamp: owner, index and sequence number in one word.
fn make_stamp(owner: u8, index: BufIndex, sequence: u32) -> u32 {
    (owner as u32) << 28 | (index.get() & 0xFF) << 20 | (sequence & 0xF_FFFF)
}

/// Writes `stamp` at both ends of the buffer.
fn stamp(buf: &mut Buf, stamp: u32) {
    let bytes = &mut buf[..];
    let end = bytes.len() - 4;
    bytes[..4].copy_from_slice(&stamp.to_le_bytes());
    bytes[end..].copy_from_slice(&stamp.to_le_bytes());
}

/// Checks that both ends of the buffer still carry `expected`.
fn check_stamp(buf: &Buf, expected: u32, context: &str) {
    let bytes = &buf[..];
    let end = bytes.len() - 4;
    let head = u32::from_le_bytes(bytes[..4].try_into().unwrap());
    let tail = u32::from_le_bytes(bytes[end..].try_into().unwrap());
    let where_ = match (head == expected, tail == expected) {
        (true, true) => return,
        (false, true) => "at the start",
        (true, false) => "at the end",
        (false, false) => "at both ends",
    };
    fail!(
        "stamp of buffer {} overwritten {where_} ({context}): expected {expected:#010x}, \
         found {head:#010x} at the start and {tail:#010x} at the end",
        buf.index().get()
    );
}

/// A buffer held by the main loop or the handler, with its stamp.
struct Held {
    buf: Buf,
    stamp: u32,
    /// Came back through `from_raw_checked`: its id is a stale copy now.
    reentered: bool,
}

// --- interrupt landings ----------------------------------------------------------

/// Which pool call the main loop is in, if any: `NO_CALL` or one of these.
static IN_POOL_CALL: AtomicU8 = AtomicU8::new(NO_CALL);
const NO_CALL: u8 = 0;
const TRY_GET: u8 = 1;
const DROP: u8 = 2;
const FROM_RAW: u8 = 3;
const INTO_RAW: u8 = 4;
/// `IN_POOL_CALL`'s values: `NO_CALL` and the four calls.
const CALLS: usize = 5;

fn call_name(call: u8) -> &'static str {
    match call {
        NO_CALL => "no pool call",
        TRY_GET => "try_get",
        DROP => "drop",
        FROM_RAW => "from_raw_checked",
        INTO_RAW => "into_raw",
        _ => "?",
    }
}

/// Runs one pool call of the main loop with `IN_POOL_CALL` set around it.
/// The compiler fences keep the call's memory accesses between the two
/// stores (one core: the handler sees them in program order).
#[inline(always)]
fn pool_call<R>(call: u8, f: impl FnOnce() -> R) -> R {
    IN_POOL_CALL.store(call, Ordering::Relaxed);
    compiler_fence(Ordering::SeqCst);
    let r = f();
    compiler_fence(Ordering::SeqCst);
    IN_POOL_CALL.store(NO_CALL, Ordering::Relaxed);
    r
}

/// Set (1) while the main loop may hold a buffer that the owner map calls
/// free, so that it is in neither the pool nor the owner map: from right
/// before its `try_get` until it claims the buffer, and from right before it
/// releases a buffer in the owner map until the drop that returns it has
/// returned. At most one such buffer exists at a time, and only while this
/// is set: that is the bound of the handler's `PoolEmpty` check.
static IN_TRANSIT: AtomicU8 = AtomicU8::new(0);

/// Runs `f` with `IN_TRANSIT` set around it (fences as in `pool_call`).
/// `sabotage-transit` never sets it: the handler's check then allows no
/// free buffer at `PoolEmpty`, and must fail.
#[inline(always)]
fn in_transit<R>(f: impl FnOnce() -> R) -> R {
    if !cfg!(feature = "sabotage-transit") {
        IN_TRANSIT.store(1, Ordering::Relaxed);
    }
    compiler_fence(Ordering::SeqCst);
    let r = f();
    compiler_fence(Ordering::SeqCst);
    IN_TRANSIT.store(0, Ordering::Relaxed);
    r
}

/// The main loop returns a buffer it holds (the owner map says it does):
/// released in the owner map, then dropped.
fn main_return(buf: Buf) {
    in_transit(|| {
        release(buf.index());
        pool_call(DROP, || drop(buf));
    });
}

/// In the handler, at `PoolEmpty`: the main loop is frozen, so every buffer
/// the owner map calls free is in the pool, where `try_get` just found
/// none, or is the one the main loop has in transit. More is a `PoolEmpty`
/// with a free buffer in the pool (or a buffer lost).
fn check_empty(h: &mut HandlerState, context: &str) {
    h.dry += 1;
    let free = OWNERS
        .iter()
        .filter(|o| o.load(Ordering::Relaxed) == FREE)
        .count();
    let bound = IN_TRANSIT.load(Ordering::Relaxed) as usize;
    if free > bound {
        fail!(
            "spurious PoolEmpty in the handler ({context}): {free} buffer(s) free in the owner \
             map, at most {bound} allowed ({}; the main loop is in {})",
            if bound == 0 {
                "no main-loop buffer in transit"
            } else {
                "one main-loop buffer may be in transit"
            },
            call_name(IN_POOL_CALL.load(Ordering::Relaxed))
        );
    }
    if free == 1 {
        h.dry_in_transit += 1;
    }
}

// --- the mailbox ----------------------------------------------------------------

/// Single producer (the handler), single consumer (the main loop), loads
/// and stores only. `tail - head` entries are waiting.
struct Mailbox {
    ids: [AtomicU32; MAILBOX_LEN],
    stamps: [AtomicU32; MAILBOX_LEN],
    head: AtomicU32,
    tail: AtomicU32,
}

static MAILBOX: Mailbox = Mailbox {
    ids: [const { AtomicU32::new(0) }; MAILBOX_LEN],
    stamps: [const { AtomicU32::new(0) }; MAILBOX_LEN],
    head: AtomicU32::new(0),
    tail: AtomicU32::new(0),
};

impl Mailbox {
    fn is_full(&self) -> bool {
        let tail = self.tail.load(Ordering::Relaxed);
        tail.wrapping_sub(self.head.load(Ordering::Acquire)) as usize >= MAILBOX_LEN
    }

    /// Handler only; the caller checked `!is_full()`.
    fn push(&self, id: u32, stamp: u32) {
        let tail = self.tail.load(Ordering::Relaxed);
        let slot = tail as usize % MAILBOX_LEN;
        self.ids[slot].store(id, Ordering::Relaxed);
        self.stamps[slot].store(stamp, Ordering::Relaxed);
        self.tail.store(tail.wrapping_add(1), Ordering::Release);
    }

    /// Main loop only.
    fn pop(&self) -> Option<(u32, u32)> {
        let head = self.head.load(Ordering::Relaxed);
        if head == self.tail.load(Ordering::Acquire) {
            return None;
        }
        let slot = head as usize % MAILBOX_LEN;
        let entry = (
            self.ids[slot].load(Ordering::Relaxed),
            self.stamps[slot].load(Ordering::Relaxed),
        );
        self.head.store(head.wrapping_add(1), Ordering::Release);
        Some(entry)
    }
}

// --- shared bits ----------------------------------------------------------------------

/// xorshift32: deterministic choices.
struct Rng(u32);

impl Rng {
    /// The generator of one `stream` (main loop, handler) of `SEED`: a
    /// mix of both (murmur3's finalizer), never 0 (xorshift's fixed point).
    const fn seeded(stream: u32) -> Rng {
        let mut z = SEED ^ stream.wrapping_mul(0x9E37_79B9);
        z = (z ^ z >> 16).wrapping_mul(0x85EB_CA6B);
        z = (z ^ z >> 13).wrapping_mul(0xC2B2_AE35);
        z ^= z >> 16;
        Rng(if z == 0 { 1 } else { z })
    }

    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// Interrupts taken so far: written by the handler, read by the main loop.
static INTERRUPTS: AtomicU32 = AtomicU32::new(0);

/// `sabotage-stamp`: the first byte of the buffer in the main loop's slot 0
/// while it holds it (`sabotage-stamp-tail`: the last byte).
#[cfg(any(feature = "sabotage-stamp", feature = "sabotage-stamp-tail"))]
static EXPOSED: core::sync::atomic::AtomicPtr<u8> =
    core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());

// --- the handler ----------------------------------------------------------------

struct HandlerState {
    slots: [Option<Held>; HANDLER_SLOTS],
    rng: Rng,
    sequence: u32,
    /// Interrupts that found the main loop inside a pool call, by call
    /// (`IN_POOL_CALL`'s values).
    landings: [u32; CALLS],
    taken: u32,
    dry: u32,
    /// `PoolEmpty`s with one buffer free in the owner map: the main loop's,
    /// in transit.
    dry_in_transit: u32,
    raw_posted: u32,
    #[cfg(any(feature = "sabotage-stamp", feature = "sabotage-stamp-tail"))]
    corrupted: bool,
    #[cfg(feature = "sabotage-mailbox")]
    posted_twice: bool,
}

/// The handler's state. Only the handler touches it while the timer runs;
/// the main loop takes it over after `stop_timer`.
struct HandlerCell(UnsafeCell<HandlerState>);

// SAFETY: one core; accessed by the handler (never re-entered: one timer
// interrupt, no nesting) and, once the timer is stopped, by the main loop.
unsafe impl Sync for HandlerCell {}

static HANDLER_STATE: HandlerCell = HandlerCell(UnsafeCell::new(HandlerState {
    slots: [const { None }; HANDLER_SLOTS],
    rng: Rng::seeded(2),
    sequence: 0,
    landings: [0; CALLS],
    taken: 0,
    dry: 0,
    dry_in_transit: 0,
    raw_posted: 0,
    #[cfg(any(feature = "sabotage-stamp", feature = "sabotage-stamp-tail"))]
    corrupted: false,
    #[cfg(feature = "sabotage-mailbox")]
    posted_twice: false,
}));

/// The timer interrupt handler.
pub fn on_tick() {
    let interrupts = INTERRUPTS.load(Ordering::Relaxed) + 1;
    INTERRUPTS.store(interrupts, Ordering::Relaxed);
    // SAFETY: see `HandlerCell`: only the handler runs this.
    let h = unsafe { &mut *HANDLER_STATE.0.get() };
    h.landings[IN_POOL_CALL.load(Ordering::Relaxed) as usize] += 1;

    #[cfg(feature = "sabotage-hang")]
    if interrupts == 1_000 {
        loop {
            core::hint::spin_loop();
        }
    }
    #[cfg(feature = "sabotage-panic")]
    if interrupts == 1_000 {
        panic!("sabotage-panic: the handler panics");
    }
    #[cfg(feature = "sabotage-fault")]
    if interrupts == 1_000 {
        platform::fault();
    }
    #[cfg(any(feature = "sabotage-stamp", feature = "sabotage-stamp-tail"))]
    if interrupts >= 1_000 && !h.corrupted {
        let exposed = EXPOSED.load(Ordering::Relaxed);
        if !exposed.is_null() {
            // A second owner writing into the main loop's buffer: the
            // defect the stamp check must catch.
            // SAFETY: (sabotage only) the main loop holds this buffer and
            // is interrupted, so the pointer is valid for the byte.
            unsafe { exposed.write_volatile(!exposed.read_volatile()) };
            h.corrupted = true;
        }
    }

    // One slot: re-check a held buffer and maybe return it, or take one.
    let slot = h.rng.below(HANDLER_SLOTS as u32) as usize;
    match h.slots[slot].take() {
        Some(held) => {
            check_stamp(&held.buf, held.stamp, "held by the handler");
            if h.rng.below(2) == 0 {
                h.slots[slot] = Some(held);
            } else {
                release(held.buf.index());
                drop(held.buf);
            }
        }
        None => match POOL.try_get() {
            Ok(mut buf) => {
                claim(buf.index(), HANDLER, "try_get in the handler");
                h.sequence = h.sequence.wrapping_add(1);
                let s = make_stamp(HANDLER, buf.index(), h.sequence);
                stamp(&mut buf, s);
                h.slots[slot] = Some(Held {
                    buf,
                    stamp: s,
                    reentered: false,
                });
                h.taken += 1;
            }
            Err(iobuf::PoolEmpty) => check_empty(h, "for a slot"),
        },
    }

    // A raw hand-off to the main loop.
    if !MAILBOX.is_full() {
        match POOL.try_get() {
            Ok(mut buf) => {
                let index = buf.index();
                claim(index, RAW, "try_get in the handler (for the mailbox)");
                h.sequence = h.sequence.wrapping_add(1);
                let s = make_stamp(RAW, index, h.sequence);
                stamp(&mut buf, s);
                h.taken += 1;
                let id = buf.into_raw();
                if id != index {
                    fail!("into_raw gave {} for buffer {}", id.get(), index.get());
                }
                MAILBOX.push(id.get(), s);
                h.raw_posted += 1;
                #[cfg(feature = "sabotage-mailbox")]
                if h.raw_posted >= 500 && !h.posted_twice && !MAILBOX.is_full() {
                    // The same id twice: the second re-entry is refused.
                    MAILBOX.push(id.get(), s);
                    h.posted_twice = true;
                }
            }
            Err(iobuf::PoolEmpty) => check_empty(h, "for the mailbox"),
        }
    }

    platform::set_next_interval(INTERVAL_MIN + h.rng.below(INTERVAL_SPAN));
}

// --- the main loop ----------------------------------------------------------------

struct Main {
    slots: [Option<Held>; MAIN_SLOTS],
    rng: Rng,
    sequence: u32,
    iterations: u32,
    taken: u32,
    dry: u32,
    reentered: u32,
    /// Own buffers taken through `into_raw` and `from_raw_checked`.
    round_trips: u32,
    stale_refused: u32,
    out_of_range_refused: u32,
    #[cfg(feature = "sabotage-owner")]
    skipped_release: bool,
    /// `sabotage-empty`: a buffer the main loop keeps while the owner map
    /// calls it free.
    #[cfg(feature = "sabotage-empty")]
    parked: Option<Buf>,
}

impl Main {
    /// Takes a buffer into `slot` (empty), or counts `PoolEmpty`.
    fn take(&mut self, slot: usize) {
        let got = in_transit(|| {
            let got = pool_call(TRY_GET, || POOL.try_get());
            if let Ok(buf) = &got {
                claim(buf.index(), MAIN, "try_get in the main loop");
            }
            got
        });
        match got {
            Ok(mut buf) => {
                #[cfg(feature = "sabotage-empty")]
                if self.taken > 10_000 && self.parked.is_none() {
                    // Keep it, but call it free in the owner map: to the
                    // handler, a free buffer the pool does not have (a lost
                    // one), so its next `PoolEmpty` must fail the check.
                    release(buf.index());
                    self.parked = Some(buf);
                    return;
                }
                self.sequence = self.sequence.wrapping_add(1);
                let s = make_stamp(MAIN, buf.index(), self.sequence);
                stamp(&mut buf, s);
                #[cfg(any(feature = "sabotage-stamp", feature = "sabotage-stamp-tail"))]
                if slot == 0 {
                    let bytes = &mut buf[..];
                    let last = bytes.len() - 1;
                    let exposed = if cfg!(feature = "sabotage-stamp-tail") {
                        &mut bytes[last] as *mut u8
                    } else {
                        bytes.as_mut_ptr()
                    };
                    EXPOSED.store(exposed, Ordering::Relaxed);
                }
                self.slots[slot] = Some(Held {
                    buf,
                    stamp: s,
                    reentered: false,
                });
                self.taken += 1;
            }
            Err(iobuf::PoolEmpty) => self.dry += 1,
        }
    }

    /// Checks and returns the buffer in `slot` (full).
    fn give_back(&mut self, slot: usize) {
        #[cfg(any(feature = "sabotage-stamp", feature = "sabotage-stamp-tail"))]
        if slot == 0 {
            EXPOSED.store(core::ptr::null_mut(), Ordering::Relaxed);
        }
        let Held { buf, stamp, .. } = self.slots[slot].take().unwrap();
        check_stamp(&buf, stamp, "held by the main loop, before returning it");
        let index = buf.index();
        // About half the buffers (picked at random) make a round trip
        // through raw form first.
        let buf = if self.rng.below(2) == 0 {
            let id = pool_call(INTO_RAW, || buf.into_raw());
            if id != index {
                fail!("into_raw gave {} for buffer {}", id.get(), index.get());
            }
            OWNERS[index.as_usize()].store(RAW, Ordering::Relaxed);
            let buf = match pool_call(FROM_RAW, || POOL.from_raw_checked(id)) {
                Ok(buf) => buf,
                Err(e) => fail!("from_raw_checked refused the main loop's own id {id:?}: {e:?}"),
            };
            OWNERS[index.as_usize()].store(MAIN, Ordering::Relaxed);
            check_stamp(&buf, stamp, "after a round trip through raw form");
            self.round_trips += 1;
            buf
        } else {
            buf
        };
        #[cfg(feature = "sabotage-owner")]
        if self.taken > 10_000 && !self.skipped_release {
            // Forget to clear the owner map: the next time the pool hands
            // this buffer out, the owner map says it is still held.
            self.skipped_release = true;
            pool_call(DROP, || drop(buf));
            return;
        }
        main_return(buf);
    }

    /// One step on a random slot: in a taking phase, fill empty slots and
    /// rarely return; in a returning phase, the other way round. A held
    /// buffer that stays is re-checked.
    fn slot_step(&mut self) {
        let taking = (self.iterations / PHASE_ITERATIONS).is_multiple_of(2);
        let slot = self.rng.below(MAIN_SLOTS as u32) as usize;
        let roll = self.rng.below(8);
        match &self.slots[slot] {
            Some(held) => {
                let give_back = if taking { roll == 0 } else { roll < 6 };
                if give_back {
                    self.give_back(slot);
                } else {
                    check_stamp(&held.buf, held.stamp, "held by the main loop");
                    if held.reentered {
                        let stale = held.buf.index();
                        self.try_stale(stale, "while the main loop holds it");
                    }
                }
            }
            None => {
                let take = if taking { true } else { roll < 2 };
                if take {
                    self.take(slot);
                }
            }
        }
    }

    /// Re-enters one id from the mailbox, if any, and tries its stale copy.
    fn reenter_step(&mut self) {
        let Some((raw, expected)) = MAILBOX.pop() else {
            return;
        };
        let id = BufIndex::new(raw);
        let stale = id; // the copy the main loop keeps
        let mut buf = match pool_call(FROM_RAW, || POOL.from_raw_checked(id)) {
            Ok(buf) => buf,
            Err(e) => fail!("from_raw_checked refused handed-off id {raw}: {e:?}"),
        };
        if buf.index() != id {
            fail!("from_raw_checked({raw}) gave buffer {}", buf.index().get());
        }
        check_stamp(&buf, expected, "handed off in raw form by the handler");
        if OWNERS[id.as_usize()].load(Ordering::Relaxed) != RAW {
            fail!("re-entered buffer {raw}, which was not out in raw form");
        }
        OWNERS[id.as_usize()].store(MAIN, Ordering::Relaxed);
        self.reentered += 1;

        if self.reentered.is_multiple_of(2) {
            if cfg!(feature = "sabotage-stale") {
                // Give it up in raw form again: the "stale" id is live now,
                // and the pool rightly accepts it.
                let _ = pool_call(INTO_RAW, || buf.into_raw());
                return self.try_stale(stale, "after giving it up in raw form again");
            }
            // The stale copy while the main loop holds the buffer.
            self.try_stale(stale, "while the main loop holds it");
            // Keep the buffer in a free slot, or return it.
            self.sequence = self.sequence.wrapping_add(1);
            let s = make_stamp(MAIN, id, self.sequence);
            stamp(&mut buf, s);
            // (Slot 0 is left to `take`: see `sabotage-stamp`.)
            match (1..MAIN_SLOTS).find(|&slot| self.slots[slot].is_none()) {
                Some(slot) => {
                    self.slots[slot] = Some(Held {
                        buf,
                        stamp: s,
                        reentered: true,
                    })
                }
                _ => main_return(buf),
            }
        } else {
            // Return it and try the stale copy before the handler can take
            // the buffer again and give it up in raw form.
            platform::without_interrupts(|| {
                main_return(buf);
                self.try_stale(stale, "right after the main loop returned it");
            });
        }
    }

    /// A stale id must be refused, as not out in raw form.
    fn try_stale(&mut self, stale: BufIndex, when: &str) {
        match pool_call(FROM_RAW, || POOL.from_raw_checked(stale)) {
            Ok(buf) => fail!(
                "from_raw_checked accepted stale id {} ({when}): buffer {}",
                stale.get(),
                buf.index().get()
            ),
            Err(RawIndexError::NotCheckedOut { index }) if index == stale => {
                self.stale_refused += 1
            }
            // (`RawIndexError` is `#[non_exhaustive]`.)
            Err(e) => fail!(
                "from_raw_checked refused stale id {} ({when}) with {e:?}, expected \
                 NotCheckedOut {{ index: {} }}",
                stale.get(),
                stale.get()
            ),
        }
    }

    /// Ids at and above `N` must be refused, as out of range. The id goes
    /// through `black_box`: the compiler must not see that it is out of
    /// range and drop the arms that catch a pool that takes it.
    fn out_of_range_step(&mut self) {
        let id = if cfg!(feature = "sabotage-range") {
            // An id in range: either refused as not out in raw form, or
            // (out in raw form, in the mailbox) accepted.
            self.rng.below(BUFFERS as u32)
        } else {
            BUFFERS as u32 + self.rng.below(1_000)
        };
        let id = core::hint::black_box(BufIndex::new(id));
        match pool_call(FROM_RAW, || POOL.from_raw_checked(id)) {
            Ok(buf) => fail!(
                "from_raw_checked accepted out-of-range id {}: buffer {}",
                id.get(),
                buf.index().get()
            ),
            Err(RawIndexError::OutOfRange { index, capacity })
                if index == id && capacity == BUFFERS =>
            {
                self.out_of_range_refused += 1
            }
            // (`RawIndexError` is `#[non_exhaustive]`.)
            Err(e) => fail!(
                "from_raw_checked refused out-of-range id {} with {e:?}, expected \
                 OutOfRange {{ index: {}, capacity: {BUFFERS} }}",
                id.get(),
                id.get()
            ),
        }
    }
}

/// The main loop, then the final checks. Never returns: exits through
/// semihosting.
pub fn run() -> ! {
    if POOL.capacity() != BUFFERS || POOL.available() != BUFFERS {
        fail!(
            "fresh pool: capacity {}, available {}, expected {BUFFERS}",
            POOL.capacity(),
            POOL.available()
        );
    }
    let mut m = Main {
        slots: [const { None }; MAIN_SLOTS],
        rng: Rng::seeded(1),
        sequence: 0,
        iterations: 0,
        taken: 0,
        dry: 0,
        reentered: 0,
        round_trips: 0,
        stale_refused: 0,
        out_of_range_refused: 0,
        #[cfg(feature = "sabotage-owner")]
        skipped_release: false,
        #[cfg(feature = "sabotage-empty")]
        parked: None,
    };

    if !cfg!(feature = "sabotage-timer") {
        platform::start_timer(INTERVAL_MIN);
    }
    let mut interrupts_before = 0;
    while INTERRUPTS.load(Ordering::Relaxed) < TARGET_INTERRUPTS {
        if cfg!(feature = "sabotage-idle") {
            continue; // the main loop leaves the pool alone
        }
        m.iterations += 1;
        if m.iterations.is_multiple_of(PROGRESS_ITERATIONS) || m.iterations > MAX_ITERATIONS {
            let interrupts = INTERRUPTS.load(Ordering::Relaxed);
            if interrupts == interrupts_before || m.iterations > MAX_ITERATIONS {
                fail!(
                    "the timer interrupt does not fire: {interrupts} interrupts after {} \
                     main-loop iterations, {} in the last {PROGRESS_ITERATIONS}",
                    m.iterations - 1,
                    interrupts - interrupts_before
                );
            }
            interrupts_before = interrupts;
        }
        // Re-entries at random points between interrupts, not always
        // right after the one that posted the id.
        if m.rng.below(4) == 0 {
            m.reenter_step();
        }
        m.slot_step();
        if m.iterations.is_multiple_of(64) {
            m.out_of_range_step();
        }
    }
    platform::stop_timer();
    compiler_fence(Ordering::SeqCst);
    finish(m)
}

/// Everything back, then every buffer distinct; the summary; exit.
fn finish(mut m: Main) -> ! {
    // SAFETY: the timer is stopped, so the handler no longer runs.
    let h = unsafe { &mut *HANDLER_STATE.0.get() };
    let interrupts = INTERRUPTS.load(Ordering::Relaxed);

    for held in h.slots.iter_mut().filter_map(Option::take) {
        check_stamp(&held.buf, held.stamp, "held by the handler at the end");
        release(held.buf.index());
        drop(held.buf);
    }
    while let Some((raw, expected)) = MAILBOX.pop() {
        let buf = match POOL.from_raw_checked(BufIndex::new(raw)) {
            Ok(buf) => buf,
            Err(e) => fail!("from_raw_checked refused handed-off id {raw} at the end: {e:?}"),
        };
        check_stamp(&buf, expected, "in the mailbox at the end");
        release(buf.index());
        m.reentered += 1;
        drop(buf);
    }
    for slot in 0..MAIN_SLOTS {
        if m.slots[slot].is_some() {
            m.give_back(slot);
        }
    }

    #[cfg(feature = "sabotage-leak")]
    core::mem::forget(POOL.try_get());

    if POOL.available() != POOL.capacity() {
        fail!(
            "not every buffer is back: available {} of {}",
            POOL.available(),
            POOL.capacity()
        );
    }
    if let Some(i) = OWNERS
        .iter()
        .position(|o| o.load(Ordering::Relaxed) != FREE)
    {
        fail!("the owner map still has buffer {i} held at the end");
    }

    // Take all N: N distinct indices, then PoolEmpty.
    let mut all: [Option<Buf>; BUFFERS] = [const { None }; BUFFERS];
    let mut seen = 0u64;
    for (k, entry) in all.iter_mut().enumerate() {
        let buf = match POOL.try_get() {
            Ok(buf) => buf,
            Err(iobuf::PoolEmpty) => fail!("take-all: PoolEmpty after {k} of {BUFFERS}"),
        };
        let i = buf.index().as_usize();
        // Record an index already seen in place of the last one.
        #[cfg(feature = "sabotage-distinct")]
        let i = if k == BUFFERS - 1 {
            seen.trailing_zeros() as usize
        } else {
            i
        };
        if i >= BUFFERS {
            fail!("take-all: index {i} out of range");
        }
        if seen & 1 << i != 0 {
            fail!("take-all: buffer {i} handed out twice");
        }
        seen |= 1 << i;
        *entry = Some(buf);
    }
    if POOL.try_get().is_ok() {
        fail!("take-all: an (N+1)-th buffer from a pool of {BUFFERS}");
    }
    drop(all);
    if POOL.available() != POOL.capacity() {
        fail!(
            "after take-all: available {} of {}",
            POOL.available(),
            POOL.capacity()
        );
    }

    // The run must have exercised what it claims to.
    let [_, in_try_get, in_drop, in_from_raw, in_into_raw] = h.landings;
    let landings = in_try_get + in_drop + in_from_raw + in_into_raw;
    let checks = [
        (
            landings >= MIN_LANDINGS,
            "interrupts inside main-loop pool calls",
        ),
        (in_try_get >= MIN_LANDINGS_EACH, "interrupts inside try_get"),
        (in_drop >= MIN_LANDINGS_EACH, "interrupts inside drop"),
        (
            in_from_raw >= MIN_LANDINGS_EACH,
            "interrupts inside from_raw_checked",
        ),
        (
            in_into_raw >= MIN_LANDINGS_EACH,
            "interrupts inside into_raw",
        ),
        (m.dry > 0 && h.dry > 0, "PoolEmpty in both contexts"),
        (
            h.dry_in_transit > 0,
            "PoolEmpty in the handler with a main-loop buffer in transit",
        ),
        (m.stale_refused > 0, "stale ids refused"),
        (
            h.raw_posted > 0 && h.raw_posted == m.reentered,
            "every posted id re-entered",
        ),
    ];
    for (ok, what) in checks {
        if !ok {
            fail!(
                "the run did not exercise {what}: landings {:?} (none, try_get, drop, \
                 from_raw_checked, into_raw), dry main {} handler {} (in transit {}), raw \
                 posted {} re-entered {}, stale refused {}",
                h.landings,
                m.dry,
                h.dry,
                h.dry_in_transit,
                h.raw_posted,
                m.reentered,
                m.stale_refused
            );
        }
    }

    semihosting::println!(
        "qemu {NAME}: ok: seed {SEED}: {interrupts} interrupts, {landings} inside a main-loop pool call \
         (try_get {in_try_get}, drop {in_drop}, into_raw {in_into_raw}, from_raw_checked \
         {in_from_raw}); {} buffers moved (main {}, handler {}); {} raw hand-offs (+{} \
         round trips); {} stale ids refused (+{} out of range); pool dry {} times (main {}, \
         handler {}, {} of these with a main-loop buffer in transit); {} main-loop iterations",
        m.taken + h.taken,
        m.taken,
        h.taken,
        m.reentered,
        m.round_trips,
        m.stale_refused,
        m.out_of_range_refused,
        m.dry + h.dry,
        m.dry,
        h.dry,
        h.dry_in_transit,
        m.iterations
    );
    semihosting::process::exit(0)
}
