//! The eight buffer tiers: sizes, buffer types and pool types.
//!
//! Sizes grow by a factor of four from 16 bytes, so any request wastes less
//! than three quarters of its buffer and eight pools cover 16 B to 256 KiB.
//!
//! | tier | size | typical use |
//! |---|---|---|
//! | [`Pico`](Tier::Pico) | 16 B | flags, small metadata |
//! | [`Nano`](Tier::Nano) | 64 B | headers, tokens, one cache line |
//! | [`Micro`](Tier::Micro) | 256 B | protocol headers, small frames |
//! | [`Small`](Tier::Small) | 1 KiB | messages, CAN-FD / small Ethernet frames |
//! | [`Medium`](Tier::Medium) | 4 KiB | one page of I/O |
//! | [`Large`](Tier::Large) | 16 KiB | jumbo frames, large reads |
//! | [`Huge`](Tier::Huge) | 64 KiB | a whole UDP datagram |
//! | [`Giant`](Tier::Giant) | 256 KiB | bulk transfers |

use crate::BoundedPool;

/// Bytes in a [`PicoBuffer`].
///
/// ```
/// assert_eq!(iobuf::PICO_SIZE, iobuf::Tier::Pico.size());
/// ```
pub const PICO_SIZE: usize = 16;
/// Bytes in a [`NanoBuffer`].
///
/// ```
/// assert_eq!(iobuf::NANO_SIZE, iobuf::Tier::Nano.size());
/// ```
pub const NANO_SIZE: usize = 64;
/// Bytes in a [`MicroBuffer`].
///
/// ```
/// assert_eq!(iobuf::MICRO_SIZE, iobuf::Tier::Micro.size());
/// ```
pub const MICRO_SIZE: usize = 256;
/// Bytes in a [`SmallBuffer`].
///
/// ```
/// assert_eq!(iobuf::SMALL_SIZE, iobuf::Tier::Small.size());
/// ```
pub const SMALL_SIZE: usize = 1024;
/// Bytes in a [`MediumBuffer`].
///
/// ```
/// assert_eq!(iobuf::MEDIUM_SIZE, iobuf::Tier::Medium.size());
/// ```
pub const MEDIUM_SIZE: usize = 4 * 1024;
/// Bytes in a [`LargeBuffer`].
///
/// ```
/// assert_eq!(iobuf::LARGE_SIZE, iobuf::Tier::Large.size());
/// ```
pub const LARGE_SIZE: usize = 16 * 1024;
/// Bytes in a [`HugeBuffer`].
///
/// ```
/// assert_eq!(iobuf::HUGE_SIZE, iobuf::Tier::Huge.size());
/// ```
pub const HUGE_SIZE: usize = 64 * 1024;
/// Bytes in a [`GiantBuffer`].
///
/// ```
/// assert_eq!(iobuf::GIANT_SIZE, iobuf::Tier::Giant.size());
/// ```
pub const GIANT_SIZE: usize = 256 * 1024;

/// A 16-byte buffer.
///
/// ```
/// let buffer: iobuf::PicoBuffer = [0; iobuf::PICO_SIZE];
/// assert_eq!(buffer.len(), iobuf::Tier::Pico.size());
/// ```
pub type PicoBuffer = [u8; PICO_SIZE];
/// A 64-byte buffer.
///
/// ```
/// let buffer: iobuf::NanoBuffer = [0; iobuf::NANO_SIZE];
/// assert_eq!(buffer.len(), iobuf::Tier::Nano.size());
/// ```
pub type NanoBuffer = [u8; NANO_SIZE];
/// A 256-byte buffer.
///
/// ```
/// let buffer: iobuf::MicroBuffer = [0; iobuf::MICRO_SIZE];
/// assert_eq!(buffer.len(), iobuf::Tier::Micro.size());
/// ```
pub type MicroBuffer = [u8; MICRO_SIZE];
/// A 1 KiB buffer.
///
/// ```
/// let buffer: iobuf::SmallBuffer = [0; iobuf::SMALL_SIZE];
/// assert_eq!(buffer.len(), iobuf::Tier::Small.size());
/// ```
pub type SmallBuffer = [u8; SMALL_SIZE];
/// A 4 KiB buffer.
///
/// ```
/// let buffer: iobuf::MediumBuffer = [0; iobuf::MEDIUM_SIZE];
/// assert_eq!(buffer.len(), iobuf::Tier::Medium.size());
/// ```
pub type MediumBuffer = [u8; MEDIUM_SIZE];
/// A 16 KiB buffer.
///
/// ```
/// let buffer: iobuf::LargeBuffer = [0; iobuf::LARGE_SIZE];
/// assert_eq!(buffer.len(), iobuf::Tier::Large.size());
/// ```
pub type LargeBuffer = [u8; LARGE_SIZE];
/// A 64 KiB buffer.
///
/// ```
/// let buffer: iobuf::HugeBuffer = [0; iobuf::HUGE_SIZE];
/// assert_eq!(buffer.len(), iobuf::Tier::Huge.size());
/// ```
pub type HugeBuffer = [u8; HUGE_SIZE];
/// A 256 KiB buffer.
///
/// ```
/// let buffer: iobuf::GiantBuffer = [0; iobuf::GIANT_SIZE];
/// assert_eq!(buffer.len(), iobuf::Tier::Giant.size());
/// ```
pub type GiantBuffer = [u8; GIANT_SIZE];

/// A pool of `N` zeroed [`PicoBuffer`]s.
///
/// ```
/// static POOL: iobuf::PicoPool<2> = iobuf::PicoPool::new();
/// assert_eq!(POOL.try_get().unwrap().len(), iobuf::PICO_SIZE);
/// ```
pub type PicoPool<const N: usize> = BoundedPool<PicoBuffer, N>;
/// A pool of `N` zeroed [`NanoBuffer`]s.
///
/// ```
/// static POOL: iobuf::NanoPool<2> = iobuf::NanoPool::new();
/// assert_eq!(POOL.try_get().unwrap().len(), iobuf::NANO_SIZE);
/// ```
pub type NanoPool<const N: usize> = BoundedPool<NanoBuffer, N>;
/// A pool of `N` zeroed [`MicroBuffer`]s.
///
/// ```
/// static POOL: iobuf::MicroPool<2> = iobuf::MicroPool::new();
/// assert_eq!(POOL.try_get().unwrap().len(), iobuf::MICRO_SIZE);
/// ```
pub type MicroPool<const N: usize> = BoundedPool<MicroBuffer, N>;
/// A pool of `N` zeroed [`SmallBuffer`]s.
///
/// ```
/// static POOL: iobuf::SmallPool<1024> = iobuf::SmallPool::new();
///
/// let mut buf = POOL.try_get().unwrap();
/// buf[..5].copy_from_slice(b"hello");
/// assert_eq!(buf.len(), 1024);
/// ```
pub type SmallPool<const N: usize> = BoundedPool<SmallBuffer, N>;
/// A pool of `N` zeroed [`MediumBuffer`]s.
///
/// ```
/// static POOL: iobuf::MediumPool<2> = iobuf::MediumPool::new();
/// assert_eq!(POOL.try_get().unwrap().len(), iobuf::MEDIUM_SIZE);
/// ```
pub type MediumPool<const N: usize> = BoundedPool<MediumBuffer, N>;
/// A pool of `N` zeroed [`LargeBuffer`]s.
///
/// ```
/// static POOL: iobuf::LargePool<2> = iobuf::LargePool::new();
/// assert_eq!(POOL.try_get().unwrap().len(), iobuf::LARGE_SIZE);
/// ```
pub type LargePool<const N: usize> = BoundedPool<LargeBuffer, N>;
/// A pool of `N` zeroed [`HugeBuffer`]s.
///
/// ```
/// static POOL: iobuf::HugePool<2> = iobuf::HugePool::new();
/// assert_eq!(POOL.try_get().unwrap().len(), iobuf::HUGE_SIZE);
/// ```
pub type HugePool<const N: usize> = BoundedPool<HugeBuffer, N>;
/// A pool of `N` zeroed [`GiantBuffer`]s.
///
/// ```
/// static POOL: iobuf::GiantPool<2> = iobuf::GiantPool::new();
/// assert_eq!(POOL.try_get().unwrap().len(), iobuf::GIANT_SIZE);
/// ```
pub type GiantPool<const N: usize> = BoundedPool<GiantBuffer, N>;

/// One of the eight buffer sizes.
///
/// ```
/// use iobuf::Tier;
///
/// assert_eq!(Tier::for_size(1500), Some(Tier::Medium));
/// assert_eq!(Tier::Medium.size(), 4096);
/// assert_eq!(Tier::for_size(300 * 1024), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Tier {
    /// 16 bytes.
    Pico,
    /// 64 bytes.
    Nano,
    /// 256 bytes.
    Micro,
    /// 1 KiB.
    Small,
    /// 4 KiB.
    Medium,
    /// 16 KiB.
    Large,
    /// 64 KiB.
    Huge,
    /// 256 KiB.
    Giant,
}

impl Tier {
    /// Every tier, smallest first.
    ///
    /// ```
    /// let sizes = iobuf::Tier::ALL.map(|tier| tier.size());
    /// assert!(sizes.windows(2).all(|pair| pair[1] == 4 * pair[0]));
    /// ```
    pub const ALL: [Tier; 8] = [
        Tier::Pico,
        Tier::Nano,
        Tier::Micro,
        Tier::Small,
        Tier::Medium,
        Tier::Large,
        Tier::Huge,
        Tier::Giant,
    ];

    /// The tier's buffer size in bytes.
    ///
    /// ```
    /// assert_eq!(iobuf::Tier::Pico.size(), iobuf::PICO_SIZE);
    /// ```
    pub const fn size(self) -> usize {
        PICO_SIZE << (2 * self as u32)
    }

    /// The smallest tier whose buffers hold `len` bytes, or `None` above
    /// 256 KiB.
    ///
    /// ```
    /// use iobuf::Tier;
    ///
    /// assert_eq!(Tier::for_size(0), Some(Tier::Pico));
    /// assert_eq!(Tier::for_size(16), Some(Tier::Pico));
    /// assert_eq!(Tier::for_size(17), Some(Tier::Nano));
    /// assert_eq!(Tier::for_size(256 * 1024), Some(Tier::Giant));
    /// ```
    pub const fn for_size(len: usize) -> Option<Tier> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if len <= Self::ALL[i].size() {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }
}
