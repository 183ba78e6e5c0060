//! The progress model of the blocking calls: Spin, then Adapt.
//!
//! A call that must wait for a buffer first *spins*: it retries with
//! exponentially more hardware pause hints between attempts
//! ([`spin::relax::Spin`], i.e. `PAUSE`/`YIELD`), which costs a few hundred
//! nanoseconds at most and wins when another core is about to return a
//! buffer. After [`SPIN_ROUNDS`] attempts it *adapts*: between attempts it
//! calls an [`Adapt`] strategy supplied by the caller, which can yield to the
//! OS scheduler, poll an executor, sleep the core until an interrupt, or
//! count and give up by panicking. The non-blocking calls (`try_*`) do
//! neither: they answer at once.

use spin::relax::{RelaxStrategy, Spin};

/// How many attempts spin before the [`Adapt`] strategy takes over. Round
/// `r` relaxes `2^r` times, so the spin phase is 127 pause hints in all.
///
/// ```
/// static POOL: iobuf::NanoPool<1> = iobuf::NanoPool::new();
///
/// let held = POOL.try_get().unwrap();
/// let mut held = Some(held);
/// let mut adapt_calls = 0;
/// // All SPIN_ROUNDS attempts fail first; then `adapt` returns the buffer.
/// let _buf = POOL.get_with(&mut || {
///     adapt_calls += 1;
///     drop(held.take());
/// });
/// assert_eq!(adapt_calls, 1);
/// assert_eq!(iobuf::SPIN_ROUNDS, 7);
/// ```
pub const SPIN_ROUNDS: u32 = 7;

/// What a waiting call does between attempts once spinning has not helped.
///
/// Implement it to fit the context: yield to a scheduler, run an event loop
/// once, `wfi` on a microcontroller. Any `FnMut()` closure is an `Adapt`.
///
/// ```
/// static POOL: iobuf::NanoPool<1> = iobuf::NanoPool::new();
///
/// let held = POOL.try_get().unwrap();
/// let mut returned = Some(held);
/// // A strategy that makes progress possible: here, it returns the buffer.
/// let buf = POOL.get_with(&mut || drop(returned.take()));
/// assert_eq!(buf.index().get(), 0);
/// ```
pub trait Adapt {
    /// Called once between two attempts.
    fn adapt(&mut self);
}

impl<F: FnMut()> Adapt for F {
    fn adapt(&mut self) {
        self()
    }
}

/// The default strategy: yield the thread to the OS scheduler with `std`,
/// a spin-loop hint without it.
///
/// ```
/// use iobuf::{Adapt, DefaultAdapt};
///
/// DefaultAdapt.adapt(); // returns after yielding once
/// ```
#[derive(Clone, Copy, Default, Debug)]
pub struct DefaultAdapt;

impl Adapt for DefaultAdapt {
    fn adapt(&mut self) {
        #[cfg(feature = "std")]
        std::thread::yield_now();
        #[cfg(not(feature = "std"))]
        core::hint::spin_loop();
    }
}

/// Runs `attempt` until it yields a value: [`SPIN_ROUNDS`] spinning rounds,
/// then `adapt` between every further attempt.
pub(crate) fn wait_for<R>(mut attempt: impl FnMut() -> Option<R>, adapt: &mut impl Adapt) -> R {
    for round in 0..SPIN_ROUNDS {
        if let Some(value) = attempt() {
            return value;
        }
        for _ in 0..1u32 << round {
            Spin::relax();
        }
    }
    loop {
        if let Some(value) = attempt() {
            return value;
        }
        adapt.adapt();
    }
}
