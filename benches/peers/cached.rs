//! iobuf behind a per-thread [`LocalCache`], two ways:
//!
//! * [`PerThread`] (`iobuf_cached`): each benchmark thread owns a cache for
//!   the whole run, as a worker loop or one core's firmware would.
//! * [`CachedIobuf`] (`iobuf_tls`): the cache lives in a `thread_local!` and
//!   every get and every return looks it up (`LocalKey::with`), so that
//!   cost is part of the figure; its buffers may cross threads.

use std::marker::PhantomData;

use iobuf::{BoundedPool, Guard, LocalCache};

use super::{LocalPeer, Peer, SharedPool};

/// Buffers each thread's cache holds at most.
pub const CACHE: usize = 64;

/// The static iobuf pools of the benchmark.
pub type Pool<const SIZE: usize, const N: usize> = BoundedPool<[u8; SIZE], N>;

/// The cache this thread keeps in front of one static pool.
///
/// Implemented (by [`thread_cache!`]) on a marker type that names its
/// `thread_local!` directly, as user code would, so that the compiler sees
/// which key it is and inlines the access.
pub trait ThreadCache<const SIZE: usize, const N: usize>: 'static {
    /// Runs `f` with this thread's cache.
    fn with<R>(f: impl FnOnce(&LocalCache<'static, Pool<SIZE, N>, CACHE>) -> R) -> R;
}

/// Declares a `thread_local!` cache of `$pool` and its [`ThreadCache`]
/// marker `$name`.
macro_rules! thread_cache {
    ($name:ident: $pool:ident, $size:expr, $count:expr) => {
        pub struct $name;

        impl $crate::peers::cached::ThreadCache<{ $size }, { $count }> for $name {
            #[inline]
            fn with<R>(
                f: impl FnOnce(
                    &iobuf::LocalCache<
                        'static,
                        $crate::peers::cached::Pool<{ $size }, { $count }>,
                        { $crate::peers::cached::CACHE },
                    >,
                ) -> R,
            ) -> R {
                thread_local! {
                    static KEY: iobuf::LocalCache<
                        'static,
                        $crate::peers::cached::Pool<{ $size }, { $count }>,
                        { $crate::peers::cached::CACHE },
                    > = const { iobuf::LocalCache::new(&$pool) };
                }
                KEY.with(f)
            }
        }
    };
}
pub(crate) use thread_cache;

/// A static iobuf pool seen through each thread's own cache.
pub struct CachedIobuf<H, const SIZE: usize, const N: usize>(PhantomData<fn() -> H>);

impl<H, const SIZE: usize, const N: usize> CachedIobuf<H, SIZE, N> {
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// A buffer taken through a thread's cache. It may move to another thread
/// (as a pool guard); dropping it parks it in the cache of the thread that
/// drops it.
pub struct CachedBuf<H: ThreadCache<SIZE, N>, const SIZE: usize, const N: usize> {
    guard: Option<Guard<'static, Pool<SIZE, N>>>,
    home: PhantomData<fn() -> H>,
}

impl<H: ThreadCache<SIZE, N>, const SIZE: usize, const N: usize> Drop for CachedBuf<H, SIZE, N> {
    #[inline]
    fn drop(&mut self) {
        if let Some(guard) = self.guard.take() {
            H::with(|cache| cache.put(guard));
        }
    }
}

impl<H: ThreadCache<SIZE, N>, const SIZE: usize, const N: usize> CachedBuf<H, SIZE, N> {
    #[inline]
    fn bytes(&mut self) -> &mut [u8; SIZE] {
        self.guard.as_mut().expect("present until drop")
    }
}

impl<H: ThreadCache<SIZE, N>, const SIZE: usize, const N: usize> Peer for CachedIobuf<H, SIZE, N> {
    type Buf<'a> = CachedBuf<H, SIZE, N>;

    #[inline]
    fn try_get(&self) -> Option<Self::Buf<'_>> {
        let guard = H::with(|cache| cache.try_get().ok().map(|buf| buf.into_shared()))?;
        Some(CachedBuf {
            guard: Some(guard),
            home: PhantomData,
        })
    }

    #[inline]
    fn touch(buf: &mut Self::Buf<'_>, value: u8) {
        buf.bytes()[0] = value;
    }

    #[inline]
    fn fill(buf: &mut Self::Buf<'_>, value: u8) {
        buf.bytes().fill(value);
    }
}

/// A static iobuf pool that each benchmark thread uses through a cache it
/// owns for the whole run.
pub struct PerThread<const SIZE: usize, const N: usize>(pub &'static Pool<SIZE, N>);

impl<const SIZE: usize, const N: usize> SharedPool for PerThread<SIZE, N> {
    type Local<'a> = LocalCache<'static, Pool<SIZE, N>, CACHE>;

    fn local(&self) -> Self::Local<'_> {
        LocalCache::new(self.0)
    }
}

impl<'p, const SIZE: usize, const N: usize> LocalPeer for LocalCache<'p, Pool<SIZE, N>, CACHE> {
    type Buf<'a>
        = iobuf::CachedGuard<'a, 'p, Pool<SIZE, N>, CACHE>
    where
        Self: 'a;

    #[inline]
    fn try_get(&self) -> Option<Self::Buf<'_>> {
        LocalCache::try_get(self).ok()
    }

    #[inline]
    fn touch(buf: &mut Self::Buf<'_>, value: u8) {
        buf[0] = value;
    }

    #[inline]
    fn fill(buf: &mut Self::Buf<'_>, value: u8) {
        buf.fill(value);
    }
}
