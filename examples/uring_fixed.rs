//! io_uring fixed buffers straight out of pools.
//!
//! Two pool regions are registered with io_uring once, one per tier: a
//! runtime pool of 4 KiB buffers (`buf_index` 0) and a static pool of 1 KiB
//! buffers in `.bss` (`buf_index` 1). A 256 KiB payload is then written to a
//! temporary file in 4 KiB `WriteFixed` operations and read back in 1 KiB
//! `ReadFixed` operations, many in flight at once. Each buffer travels to
//! the kernel in raw form: its pool index is the operation's `user_data`,
//! and the completion re-enters it with `from_raw_checked`.
//!
//! ```text
//! cargo run --features std --example uring_fixed
//! ```

#[cfg(all(feature = "std", target_os = "linux"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    uring::run()
}

#[cfg(not(all(feature = "std", target_os = "linux")))]
fn main() {
    eprintln!(
        "uring_fixed needs --features std on Linux: cargo run --features std --example uring_fixed"
    );
}

#[cfg(all(feature = "std", target_os = "linux"))]
mod uring {
    use io_uring::types::Fd;
    use io_uring::{IoUring, opcode};
    use iobuf::sys::RuntimePool;
    use iobuf::{BufIndex, MEDIUM_SIZE, MediumBuffer, SMALL_SIZE, SmallPool};
    use std::error::Error;
    use std::fs::{self, File, OpenOptions};
    use std::io;
    use std::os::fd::AsRawFd;
    use std::time::Instant;

    /// Read buffers of 1 KiB in `.bss`: anonymous memory, so the kernel may
    /// pin it for registration.
    static READ_POOL: SmallPool<READ_BUFFERS> = SmallPool::new();
    const READ_BUFFERS: usize = 16;

    /// 4 KiB buffers for the writes, in one page-aligned mmap region.
    const WRITE_BUFFERS: usize = 8;

    /// The `buf_index` of each registered region.
    const WRITE_REGION: u16 = 0;
    const READ_REGION: u16 = 1;

    const PAYLOAD: usize = 256 * 1024;

    /// A recognisable, position-dependent payload byte.
    fn payload_byte(i: usize) -> u8 {
        (i as u8).wrapping_mul(31) ^ (i >> 10) as u8
    }

    pub fn run() -> Result<(), Box<dyn Error>> {
        let payload: Vec<u8> = (0..PAYLOAD).map(payload_byte).collect();
        let write_pool = RuntimePool::<MediumBuffer>::new(WRITE_BUFFERS)?;

        let path = std::env::temp_dir().join(format!("iobuf-uring_fixed-{}", std::process::id()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        let outcome = copy_through(&payload, &write_pool, &file);
        fs::remove_file(&path)?;
        outcome?;

        assert_eq!(write_pool.available(), write_pool.capacity());
        assert_eq!(READ_POOL.available(), READ_POOL.capacity());
        println!(
            "pools: {}/{} write buffers and {}/{} read buffers free again",
            write_pool.available(),
            write_pool.capacity(),
            READ_POOL.available(),
            READ_POOL.capacity()
        );
        Ok(())
    }

    /// Writes `payload` to `file` from `write_pool`'s buffers and reads it
    /// back into `READ_POOL`'s, all through registered fixed buffers.
    fn copy_through(
        payload: &[u8],
        write_pool: &RuntimePool<MediumBuffer>,
        file: &File,
    ) -> Result<(), Box<dyn Error>> {
        let fd = Fd(file.as_raw_fd());
        // Room for every buffer of either pool in flight at once.
        let mut ring = match IoUring::new(32) {
            Ok(ring) => ring,
            Err(error) if matches!(error.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) => {
                println!("io_uring unavailable here ({error}); nothing to show");
                return Ok(());
            }
            Err(error) => return Err(error.into()),
        };

        let regions = [
            libc::iovec {
                iov_base: write_pool.region_ptr().cast(),
                iov_len: write_pool.region_len(),
            },
            libc::iovec {
                iov_base: READ_POOL.region_ptr().cast(),
                iov_len: READ_POOL.region_len(),
            },
        ];
        // SAFETY: both regions outlive the ring's use of them: `READ_POOL`
        // is a static and `write_pool` is borrowed for this whole function,
        // while the ring is local to it. On the normal path every operation
        // is reaped and the regions unregistered below. On an early error
        // return, requests may still be in flight when the ring closes; the
        // kernel keeps registered buffers pinned until it has finished with
        // them, so `write_pool`'s pages stay valid for it even after the
        // pool unmaps its view (the example then exits). The kernel only accesses them
        // through the operations below, each on a buffer that is out of its
        // pool in raw form, untouched by this program, until its completion
        // is reaped.
        unsafe { ring.submitter().register_buffers(&regions)? };
        println!(
            "registered 2 regions: #{WRITE_REGION} = {WRITE_BUFFERS} x 4 KiB \
             (RuntimePool, {} bytes), #{READ_REGION} = {} x 1 KiB (static SmallPool, {} bytes)",
            write_pool.region_len(),
            READ_POOL.capacity(),
            READ_POOL.region_len()
        );

        let started = Instant::now();
        let write = write_all(&mut ring, fd, payload, write_pool)?;
        println!(
            "wrote {} bytes in {} WriteFixed ops of 4 KiB, at most {} in flight",
            payload.len(),
            write.ops,
            write.most_in_flight
        );
        let read = read_and_verify(&mut ring, fd, payload)?;
        println!(
            "read {} bytes back in {} ReadFixed ops of 1 KiB, at most {} in flight: byte-exact \
             ({:.2?} in all)",
            payload.len(),
            read.ops,
            read.most_in_flight,
            started.elapsed()
        );

        ring.submitter().unregister_buffers()?;
        Ok(())
    }

    /// What one phase did.
    struct Tally {
        ops: usize,
        most_in_flight: usize,
    }

    fn write_all(
        ring: &mut IoUring,
        fd: Fd,
        payload: &[u8],
        pool: &RuntimePool<MediumBuffer>,
    ) -> Result<Tally, Box<dyn Error>> {
        let mut chunks = payload.chunks(MEDIUM_SIZE).enumerate().peekable();
        let mut tally = Tally {
            ops: 0,
            most_in_flight: 0,
        };
        let mut in_flight = 0;
        while chunks.peek().is_some() || in_flight > 0 {
            // Queue one write per free buffer.
            while chunks.peek().is_some() {
                let Ok(mut buf) = pool.try_get() else { break };
                let (number, chunk) = chunks.next().unwrap();
                buf[..chunk.len()].copy_from_slice(chunk);
                let sqe =
                    opcode::WriteFixed::new(fd, buf.as_ptr(), chunk.len() as u32, WRITE_REGION)
                        .offset((number * MEDIUM_SIZE) as u64)
                        .build()
                        .user_data(buf.into_raw().into());
                // SAFETY: the buffer lies in region WRITE_REGION and is out
                // of the pool in raw form, so nothing touches it until its
                // completion below re-enters it; the pool outlives the ring's
                // use of it.
                unsafe { ring.submission().push(&sqe)? };
                in_flight += 1;
                tally.ops += 1;
            }
            tally.most_in_flight = tally.most_in_flight.max(in_flight);

            ring.submit_and_wait(1)?;
            for cqe in ring.completion() {
                let buf = pool.from_raw_checked(BufIndex::try_from(cqe.user_data())?)?;
                in_flight -= 1;
                if cqe.result() != MEDIUM_SIZE as i32 {
                    return Err(short("WriteFixed", cqe.result(), MEDIUM_SIZE));
                }
                drop(buf); // back in the pool for the next chunk
            }
        }
        Ok(tally)
    }

    fn read_and_verify(
        ring: &mut IoUring,
        fd: Fd,
        payload: &[u8],
    ) -> Result<Tally, Box<dyn Error>> {
        // The file offset each buffer out in raw form is reading from.
        let mut offsets = [0usize; READ_BUFFERS];
        let mut next = 0;
        let mut tally = Tally {
            ops: 0,
            most_in_flight: 0,
        };
        let mut in_flight = 0;
        while next < payload.len() || in_flight > 0 {
            while next < payload.len() {
                let Ok(mut buf) = READ_POOL.try_get() else {
                    break;
                };
                let sqe = opcode::ReadFixed::new(
                    fd,
                    buf.as_mut_ptr().cast(),
                    SMALL_SIZE as u32,
                    READ_REGION,
                )
                .offset(next as u64)
                .build();
                let id = buf.into_raw();
                offsets[id.as_usize()] = next;
                // SAFETY: the buffer lies in region READ_REGION and is out of
                // the pool in raw form: nothing reads or writes it until its
                // completion below re-enters it.
                unsafe { ring.submission().push(&sqe.user_data(id.into()))? };
                next += SMALL_SIZE;
                in_flight += 1;
                tally.ops += 1;
            }
            tally.most_in_flight = tally.most_in_flight.max(in_flight);

            ring.submit_and_wait(1)?;
            for cqe in ring.completion() {
                let buf = READ_POOL.from_raw_checked(BufIndex::try_from(cqe.user_data())?)?;
                in_flight -= 1;
                if cqe.result() != SMALL_SIZE as i32 {
                    return Err(short("ReadFixed", cqe.result(), SMALL_SIZE));
                }
                let offset = offsets[buf.index().as_usize()];
                if buf[..] != payload[offset..offset + SMALL_SIZE] {
                    return Err(format!("the bytes read at offset {offset} differ").into());
                }
            }
        }
        Ok(tally)
    }

    /// An error for a failed or short operation.
    fn short(what: &str, result: i32, wanted: usize) -> Box<dyn Error> {
        if result < 0 {
            format!("{what} failed: {}", io::Error::from_raw_os_error(-result)).into()
        } else {
            format!("{what} moved {result} of {wanted} bytes").into()
        }
    }
}
