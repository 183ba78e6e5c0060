//! A loopback echo server doing vectored I/O into pooled buffers.
//!
//! Every connection borrows four 1 KiB buffers from one
//! `static SmallPool<64>` and echoes with `readv`/`writev` across all four
//! (up to 4 KiB per system call), the descriptors built by `IoVec` without
//! copying or allocating. A client in the same process opens several
//! connections, sends messages of varied sizes, checks every echo byte for
//! byte, and the program prints a summary and the pool's state. It ends on
//! its own in well under a second.
//!
//! ```text
//! cargo run --features std --example echo
//! ```

#[cfg(all(feature = "std", unix))]
fn main() {
    echo::main();
}

#[cfg(not(all(feature = "std", unix)))]
fn main() {
    eprintln!("the echo example needs `--features std` on a Unix target");
}

#[cfg(all(feature = "std", unix))]
mod echo {
    use iobuf::{IoVec, SmallPool};
    use std::io::{self, Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::os::fd::{AsRawFd, RawFd};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use std::thread;
    use std::time::{Duration, Instant};

    /// 64 buffers of 1 KiB, in `.bss`.
    static POOL: SmallPool<64> = SmallPool::new();

    const BUFFERS_PER_CONNECTION: usize = 4;
    const CONNECTIONS: usize = 4;
    const MESSAGES_PER_CONNECTION: usize = 50;
    const TIMEOUT: Duration = Duration::from_secs(5);

    static READV_CALLS: AtomicUsize = AtomicUsize::new(0);
    static WRITEV_CALLS: AtomicUsize = AtomicUsize::new(0);
    static BYTES_ECHOED: AtomicUsize = AtomicUsize::new(0);
    static PEAK_IN_USE: AtomicUsize = AtomicUsize::new(0);

    /// `readv` into `iovecs` (at most `UIO_MAXIOV`), retrying `EINTR`;
    /// 0 at end of stream.
    ///
    /// # Safety
    ///
    /// The descriptors name memory valid for writes and otherwise unused
    /// during the call.
    unsafe fn readv(fd: RawFd, iovecs: &[IoVec]) -> io::Result<usize> {
        let (address, count) = IoVec::addr_len(iovecs).map_err(io::Error::other)?;
        loop {
            READV_CALLS.fetch_add(1, Relaxed);
            // SAFETY: `address`/`count` describe `iovecs`, `struct iovec`s
            // the caller vouches for; `count` ≤ UIO_MAXIOV fits a `c_int`.
            let n = unsafe { libc::readv(fd, address.cast(), count as libc::c_int) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }

    /// `writev` of every byte `iovecs` names, retrying short writes.
    ///
    /// # Safety
    ///
    /// The descriptors name memory valid for reads during the call.
    unsafe fn writev_all(fd: RawFd, mut iovecs: &mut [IoVec]) -> io::Result<()> {
        while !iovecs.is_empty() {
            let (address, count) = IoVec::addr_len(iovecs).map_err(io::Error::other)?;
            WRITEV_CALLS.fetch_add(1, Relaxed);
            // SAFETY: as in `readv`, for reads.
            let n = unsafe { libc::writev(fd, address.cast(), count as libc::c_int) };
            if n < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(error);
            }
            IoVec::advance_slices(&mut iovecs, n as usize);
        }
        Ok(())
    }

    /// Echoes one connection until the peer shuts its side down.
    fn serve(stream: TcpStream) -> io::Result<()> {
        let mut buffers: [_; BUFFERS_PER_CONNECTION] = core::array::from_fn(|_| POOL.get());
        PEAK_IN_USE.fetch_max(POOL.stats().in_use(), Relaxed);
        let fd = stream.as_raw_fd();
        loop {
            let inbound = IoVec::collect::<BUFFERS_PER_CONNECTION>(&mut buffers)
                .expect("one descriptor per buffer");
            // SAFETY: the descriptors come from the `&mut` guards above,
            // which live on and are not touched during the call.
            let n = unsafe { readv(fd, &inbound)? };
            if n == 0 {
                return stream.shutdown(Shutdown::Write);
            }
            // Send back exactly the `n` bytes received, spread over the
            // buffers in order.
            let mut left = n;
            let mut storage = [IoVec::EMPTY; BUFFERS_PER_CONNECTION];
            let outbound = IoVec::fill(
                &mut storage,
                buffers.iter().map_while(|buffer| {
                    let take = left.min(buffer.len());
                    left -= take;
                    (take > 0).then(|| &buffer[..take])
                }),
            )
            .expect("one descriptor per buffer");
            // SAFETY: the guards outlive the call and are only read.
            unsafe { writev_all(fd, outbound)? };
            BYTES_ECHOED.fetch_add(n, Relaxed);
        }
    }

    /// The self-test client: messages of varied sizes, each echo checked.
    fn client(address: std::net::SocketAddr, id: usize) -> io::Result<(usize, usize)> {
        let mut stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_nodelay(true)?;
        let mut bytes = 0;
        let mut echo = Vec::new();
        for m in 0..MESSAGES_PER_CONNECTION {
            // 1 byte to ~9 KiB: some fit one buffer, some need several
            // readv calls on the server.
            let size = (m * 977 + id * 131) % 9000 + 1;
            let message: Vec<u8> = (0..size).map(|i| (i * 7 + m + id) as u8).collect();
            stream.write_all(&message)?;
            echo.resize(size, 0);
            stream.read_exact(&mut echo)?;
            assert_eq!(echo, message, "connection {id}, message {m}: echo differs");
            bytes += size;
        }
        stream.shutdown(Shutdown::Write)?;
        let mut rest = [0u8; 1];
        assert_eq!(stream.read(&mut rest)?, 0, "bytes after the last echo");
        Ok((MESSAGES_PER_CONNECTION, bytes))
    }

    pub fn main() {
        let started = Instant::now();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        println!("echo server on {address}, pool: {}", POOL.stats());

        let (messages, bytes) = thread::scope(|scope| {
            // The server: one thread per connection, a bounded number of
            // connections.
            scope.spawn(move || {
                thread::scope(|connections| {
                    for _ in 0..CONNECTIONS {
                        let (stream, _) = listener.accept().expect("accept");
                        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
                        stream.set_nodelay(true).expect("nodelay");
                        connections.spawn(move || serve(stream).expect("serve"));
                    }
                });
            });
            let clients: Vec<_> = (0..CONNECTIONS)
                .map(|id| scope.spawn(move || client(address, id).expect("client")))
                .collect();
            clients
                .into_iter()
                .map(|client| client.join().expect("client thread"))
                .fold((0, 0), |(m, b), (dm, db)| (m + dm, b + db))
        });

        let echoed = BYTES_ECHOED.load(Relaxed);
        assert_eq!(echoed, bytes, "the server echoed what the clients sent");
        let stats = POOL.stats();
        assert_eq!(stats.in_use(), 0, "every buffer is back");
        println!(
            "{CONNECTIONS} connections, {messages} messages, {bytes} bytes echoed byte-exact \
             in {:.1?}",
            started.elapsed()
        );
        println!(
            "{} readv and {} writev calls over {BUFFERS_PER_CONNECTION} pooled buffers per \
             connection (at most {} of {} buffers out at once)",
            READV_CALLS.load(Relaxed),
            WRITEV_CALLS.load(Relaxed),
            PEAK_IN_USE.load(Relaxed),
            stats.capacity,
        );
        println!("pool at the end: {stats}");
    }
}
