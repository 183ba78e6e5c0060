//! Real vectored system calls over pooled buffers: `writev`/`readv` through
//! a pipe and a loopback TCP connection, byte-exact, with short transfers
//! handled; and the `UIO_MAXIOV` limit enforced before the kernel sees it.
#![cfg(all(feature = "std", unix, not(miri)))]

use iobuf::sys::RuntimePool;
use iobuf::{IoVec, IoVecError, MediumBuffer, SmallPool, UIO_MAXIOV};
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::thread;

/// A pipe, both ends closed on drop.
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid array of two `c_int`s for `pipe` to fill.
    let rc = unsafe { libc::pipe(fds.as_mut_ptr()) };
    assert_eq!(rc, 0, "pipe: {}", io::Error::last_os_error());
    // SAFETY: `pipe` succeeded, so both are open descriptors that we own.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// Writes every byte the descriptors name, batch by batch, retrying short
/// writes and `EINTR`. Returns the number of `writev` calls.
///
/// # Safety
///
/// Every descriptor names memory valid for reads until this returns.
unsafe fn writev_all(fd: RawFd, iovecs: &mut [IoVec]) -> usize {
    let mut calls = 0;
    for mut batch in IoVec::batches_mut(iovecs) {
        while batch.iter().any(|iovec| !iovec.is_empty()) {
            let (address, count) = IoVec::addr_len(batch).expect("a batch fits one call");
            // SAFETY: `address`/`count` describe `batch`, an array of
            // `struct iovec`s (layout checked in `iobuf`), at most
            // UIO_MAXIOV long; the caller vouches for the buffers.
            let n = unsafe { libc::writev(fd, address.cast(), count as libc::c_int) };
            calls += 1;
            if n < 0 {
                let error = io::Error::last_os_error();
                assert_eq!(error.kind(), io::ErrorKind::Interrupted, "writev: {error}");
                continue;
            }
            IoVec::advance_slices(&mut batch, n as usize);
        }
    }
    calls
}

/// Fills every byte the descriptors name, retrying short reads and `EINTR`;
/// panics at end of file. Returns the number of `readv` calls.
///
/// # Safety
///
/// Every descriptor names memory valid for writes and used by nothing else
/// until this returns.
unsafe fn readv_exact(fd: RawFd, iovecs: &mut [IoVec]) -> usize {
    let mut calls = 0;
    for mut batch in IoVec::batches_mut(iovecs) {
        while batch.iter().any(|iovec| !iovec.is_empty()) {
            let (address, count) = IoVec::addr_len(batch).expect("a batch fits one call");
            // SAFETY: as in `writev_all`; the caller vouches that the
            // buffers may be written.
            let n = unsafe { libc::readv(fd, address.cast(), count as libc::c_int) };
            calls += 1;
            if n < 0 {
                let error = io::Error::last_os_error();
                assert_eq!(error.kind(), io::ErrorKind::Interrupted, "readv: {error}");
                continue;
            }
            assert!(n > 0, "unexpected end of file");
            IoVec::advance_slices(&mut batch, n as usize);
        }
    }
    calls
}

/// A byte that depends on the position and a seed.
fn pattern(seed: usize, position: usize) -> u8 {
    (position.wrapping_mul(31) ^ seed.wrapping_mul(131) ^ (position >> 8)) as u8
}

#[test]
fn pipe_writev_readv_with_static_pool() {
    static POOL: SmallPool<16> = SmallPool::new();

    // Six source buffers of uneven used lengths, read-only descriptors.
    let lengths = [1024, 1, 700, 0, 1024, 333];
    let mut sources: Vec<_> = (0..lengths.len())
        .map(|_| POOL.try_get().unwrap())
        .collect();
    for (i, guard) in sources.iter_mut().enumerate() {
        for (j, byte) in guard.iter_mut().enumerate() {
            *byte = pattern(i, j);
        }
    }
    let mut storage = [IoVec::EMPTY; 8];
    let out = IoVec::fill(
        &mut storage,
        sources.iter().zip(lengths).map(|(g, n)| &g[..n]),
    )
    .unwrap();
    let total: usize = lengths.iter().sum();

    // Destinations: whole guards of another split than the sources.
    let mut sinks: Vec<_> = (0..4).map(|_| POOL.try_get().unwrap()).collect();
    let mut left = total;
    let mut inbound = IoVec::collect::<4>(sinks.iter_mut().map(|guard| {
        let n = left.min(guard.len());
        left -= n;
        &mut guard[..n]
    }))
    .unwrap();
    assert_eq!(
        inbound.iter().map(IoVec::len).collect::<Vec<_>>(),
        [1024, 1024, 1024, 10]
    );
    assert_eq!(POOL.available(), 6);

    let (read_end, write_end) = pipe();
    // SAFETY: the source guards outlive the call and are only read.
    unsafe { writev_all(write_end.as_raw_fd(), out) };
    drop(write_end);
    // SAFETY: the descriptors came from `&mut` guards that live on and are
    // not touched until the call returns.
    unsafe { readv_exact(read_end.as_raw_fd(), &mut inbound) };

    let expected: Vec<u8> = sources
        .iter()
        .zip(lengths)
        .flat_map(|(g, n)| g[..n].iter().copied())
        .collect();
    let received: Vec<u8> = sinks
        .iter()
        .flat_map(|g| g.iter().copied())
        .take(total)
        .collect();
    assert_eq!(received, expected);

    // Nothing more in the pipe.
    let mut rest = [0u8; 1];
    let mut iovec = [IoVec::from(&mut rest)];
    // SAFETY: `rest` is a live local buffer; the write end is closed, so
    // this returns at once.
    let n = unsafe { libc::readv(read_end.as_raw_fd(), iovec.as_mut_ptr().cast(), 1) };
    assert_eq!(n, 0);
    drop(sources);
    drop(sinks);
    assert_eq!(POOL.available(), 16);
}

#[test]
fn pipe_writev_readv_with_runtime_pool_beyond_pipe_capacity() {
    // 48 × 4 KiB = 192 KiB, more than a pipe holds (64 KiB by default):
    // the writer blocks and both sides see short transfers.
    const BUFFERS: usize = 48;
    let pool = RuntimePool::<MediumBuffer>::new(2 * BUFFERS).unwrap();
    let mut sources: Vec<_> = (0..BUFFERS).map(|_| pool.try_get().unwrap()).collect();
    for (i, guard) in sources.iter_mut().enumerate() {
        for (j, byte) in guard.iter_mut().enumerate() {
            *byte = pattern(i + 7, j);
        }
    }
    let mut sinks: Vec<_> = (0..BUFFERS).map(|_| pool.try_get().unwrap()).collect();
    let (read_end, write_end) = pipe();

    let (writes, reads) = thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut out = IoVec::collect::<BUFFERS>(sources.iter()).unwrap();
            // SAFETY: the sources outlive the call and are only read.
            let calls = unsafe { writev_all(write_end.as_raw_fd(), &mut out) };
            drop(write_end);
            calls
        });
        let mut inbound = IoVec::collect::<BUFFERS>(sinks.iter_mut()).unwrap();
        // SAFETY: the sinks are exclusively borrowed for the whole scope.
        let reads = unsafe { readv_exact(read_end.as_raw_fd(), &mut inbound) };
        (writer.join().unwrap(), reads)
    });
    // A pipe holds 64 KiB, so one readv returns at most that much.
    assert!(writes >= 1 && reads >= 3, "{writes} writes, {reads} reads");
    for (source, sink) in sources.iter().zip(&sinks) {
        assert_eq!(source[..], sink[..]);
    }
    assert_eq!(pool.stats().in_use(), 2 * BUFFERS);
}

#[test]
fn tcp_loopback_writev_readv_on_raw_fds() {
    const BUFFERS: usize = 64; // 256 KiB each way
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();

    let pool = RuntimePool::<MediumBuffer>::new(2 * BUFFERS).unwrap();
    let mut sources: Vec<_> = (0..BUFFERS).map(|_| pool.get()).collect();
    for (i, guard) in sources.iter_mut().enumerate() {
        for (j, byte) in guard.iter_mut().enumerate() {
            *byte = pattern(i * 3, j);
        }
    }
    let mut sinks: Vec<_> = (0..BUFFERS).map(|_| pool.get()).collect();

    thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut out = IoVec::collect::<BUFFERS>(&sources).unwrap();
            // SAFETY: the sources outlive the call and are only read.
            unsafe { writev_all(client.as_raw_fd(), &mut out) };
        });
        let mut inbound = IoVec::collect::<BUFFERS>(&mut sinks).unwrap();
        // SAFETY: the sinks are exclusively borrowed for the whole scope.
        unsafe { readv_exact(server.as_raw_fd(), &mut inbound) };
        writer.join().unwrap();
    });
    for (source, sink) in sources.iter().zip(&sinks) {
        assert_eq!(source[..], sink[..]);
    }
}

#[test]
fn tcp_loopback_write_vectored_read_vectored_with_io_slices() {
    static POOL: SmallPool<64> = SmallPool::new();
    const BUFFERS: usize = 24;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().unwrap();

    let mut sources: Vec<_> = (0..BUFFERS).map(|_| POOL.try_get().unwrap()).collect();
    for (i, guard) in sources.iter_mut().enumerate() {
        for (j, byte) in guard.iter_mut().enumerate() {
            *byte = pattern(i + 100, j);
        }
    }
    let mut sinks: Vec<_> = (0..BUFFERS).map(|_| POOL.try_get().unwrap()).collect();

    thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut slices = iobuf::sys::io_slices::<BUFFERS>(&sources).unwrap();
            let mut pending: &mut [IoSlice<'_>] = &mut slices;
            while !pending.is_empty() {
                let n = client.write_vectored(pending).unwrap();
                assert!(n > 0);
                IoSlice::advance_slices(&mut pending, n);
            }
            client.shutdown(std::net::Shutdown::Write).unwrap();
        });
        let mut slices = iobuf::sys::io_slices_mut::<BUFFERS>(&mut sinks).unwrap();
        let mut pending: &mut [IoSliceMut<'_>] = &mut slices;
        while !pending.is_empty() {
            let n = server.read_vectored(pending).unwrap();
            assert!(n > 0, "unexpected end of stream");
            IoSliceMut::advance_slices(&mut pending, n);
        }
        writer.join().unwrap();
    });
    let mut rest = [0u8; 1];
    assert_eq!(server.read(&mut rest).unwrap(), 0);
    for (source, sink) in sources.iter().zip(&sinks) {
        assert_eq!(source[..], sink[..]);
    }
    assert_eq!(POOL.stats().in_use(), 2 * BUFFERS);
}

#[test]
fn batch_of_1025_is_rejected_before_the_kernel() {
    static POOL: SmallPool<2> = SmallPool::new();
    let mut source = POOL.try_get().unwrap();
    for (j, byte) in source.iter_mut().enumerate() {
        *byte = pattern(5, j);
    }
    // 1025 one-byte descriptors over the first 1024 bytes (the last twice).
    let mut iovecs: Vec<IoVec> = (0..=UIO_MAXIOV)
        .map(|i| IoVec::from(&source[i.min(1023)..=i.min(1023)]))
        .collect();
    assert_eq!(
        IoVec::addr_len(&iovecs),
        Err(IoVecError::TooMany {
            count: 1025,
            max: UIO_MAXIOV
        })
    );

    let (read_end, write_end) = pipe();
    // What the typed error saves us from: the kernel fails the whole call.
    #[cfg(target_os = "linux")]
    {
        // SAFETY: 1025 valid descriptors of live, read-only bytes; the
        // kernel rejects the count before touching them.
        let rc = unsafe {
            libc::writev(
                write_end.as_raw_fd(),
                iovecs.as_ptr().cast(),
                iovecs.len() as libc::c_int,
            )
        };
        assert_eq!(rc, -1);
        assert_eq!(
            io::Error::last_os_error().raw_os_error(),
            Some(libc::EINVAL)
        );
    }

    // Batched, the same list goes through in two calls (1024 + 1) and in
    // order.
    let expected: Vec<u8> = iovecs
        .iter()
        .map(|iovec| source[iovec.base() as usize - source.as_ptr() as usize])
        .collect();
    // SAFETY: `source` outlives the call and is only read.
    let calls = unsafe { writev_all(write_end.as_raw_fd(), &mut iovecs) };
    assert_eq!(calls, 2); // 1025 bytes fit the pipe: no short write
    drop(write_end);
    let mut received = Vec::new();
    std::fs::File::from(read_end)
        .read_to_end(&mut received)
        .unwrap();
    assert_eq!(received, expected);
}
