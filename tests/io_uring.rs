//! Pools under real io_uring: pool regions registered as fixed buffers for
//! `WriteFixed`/`ReadFixed`, and pool buffers lent to the kernel through a
//! provided-buffer ring for `Recv` with buffer selection.
//!
//! Where the kernel or a sandbox refuses io_uring itself (`ENOSYS`,
//! `EPERM`), or an old kernel lacks a feature (`EINVAL` for buffer rings),
//! a test prints `SKIPPED: …` to stderr and returns; any other error fails.
#![cfg(all(feature = "std", target_os = "linux", not(miri)))]

use io_uring::types::{BufRingEntry, Fd};
use io_uring::{IoUring, cqueue, opcode, squeue};
use iobuf::sys::{AlignedMem, RuntimePool};
use iobuf::{BufIndex, MediumBuffer, RawIndexError, SMALL_SIZE, SmallBuffer, SmallPool};
use std::collections::BTreeSet;
use std::ffi::CStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU16, Ordering};

/// `sysname release machine` from `uname(2)`.
fn kernel() -> String {
    // SAFETY: `utsname` is plain C arrays, for which all-zero is valid.
    let mut name: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is a valid, writable `utsname` that `uname` fills.
    if unsafe { libc::uname(&mut name) } != 0 {
        return format!("unknown ({})", io::Error::last_os_error());
    }
    let field = |chars: &[libc::c_char]| {
        // SAFETY: `uname` wrote NUL-terminated strings into its fields
        // (and the zeroed tail terminates them in any case).
        unsafe { CStr::from_ptr(chars.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    };
    format!(
        "{} {} {}",
        field(&name.sysname),
        field(&name.release),
        field(&name.machine)
    )
}

/// Whether `error` means io_uring (or the call) is not available here:
/// not built in or filtered by seccomp (`ENOSYS`), or forbidden
/// (`EPERM`, e.g. `kernel.io_uring_disabled`).
fn is_unavailable(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::ENOSYS | libc::EPERM))
}

fn report_skip(what: &str, error: &io::Error) {
    eprintln!(
        "SKIPPED: {what} unavailable here: {error} (kernel {})",
        kernel()
    );
}

/// A ring, or `None` (after saying so) where io_uring is unavailable.
fn new_ring(entries: u32) -> Option<IoUring> {
    match IoUring::new(entries) {
        Ok(ring) => Some(ring),
        Err(error) if is_unavailable(&error) => {
            report_skip("io_uring", &error);
            None
        }
        Err(error) => panic!("io_uring setup failed: {error}"),
    }
}

/// The iovec naming a whole pool region.
fn iovec(ptr: *mut u8, len: usize) -> libc::iovec {
    libc::iovec {
        iov_base: ptr.cast(),
        iov_len: len,
    }
}

/// Submits `entries` and waits for all their completions, ordered by
/// `user_data`.
///
/// # Safety
///
/// Every buffer an entry names must stay valid (and untouched by this
/// program where the kernel writes it) until this function returns; it
/// only returns once the kernel has completed every entry.
unsafe fn complete_all(ring: &mut IoUring, entries: &[squeue::Entry]) -> Vec<cqueue::Entry> {
    for entry in entries {
        // SAFETY: forwarded from the caller: the buffers outlive the
        // operation, which completes before this function returns.
        unsafe { ring.submission().push(entry) }.expect("submission queue full");
    }
    ring.submit_and_wait(entries.len())
        .expect("io_uring_enter failed");
    let mut completions: Vec<cqueue::Entry> = ring.completion().collect();
    assert_eq!(completions.len(), entries.len());
    completions.sort_by_key(|cqe| cqe.user_data());
    completions
}

/// A temporary file with a name no other test or process uses, removed on
/// drop.
struct TempFile {
    path: PathBuf,
    file: File,
}

impl TempFile {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "iobuf-io_uring-{tag}-{}-{nanos}",
            std::process::id()
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap();
        Self { path, file }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// A recognisable byte for position `i` of message `seed`.
fn pattern(seed: u8, i: usize) -> u8 {
    (i as u8).wrapping_mul(31).wrapping_add(seed)
}

/// 1 KiB buffers in `.bss` (anonymous memory, so the kernel may pin them):
/// registered as fixed buffer 0.
static SMALL: SmallPool<8> = SmallPool::new();

const SMALL_INDEX: u16 = 0;
const MEDIUM_INDEX: u16 = 1;

#[test]
fn pool_regions_serve_as_fixed_buffers_one_registration_per_tier() {
    println!("kernel: {}", kernel());
    // 4 KiB buffers in an mmap region: registered as fixed buffer 1.
    let medium = RuntimePool::<MediumBuffer>::new(4).unwrap();
    let temp = TempFile::new("fixed");
    let fd = Fd(temp.file.as_raw_fd());
    let Some(mut ring) = new_ring(8) else { return };

    // One iovec per tier; the index in this array is the `buf_index`.
    let regions = [
        iovec(SMALL.region_ptr(), SMALL.region_len()),
        iovec(medium.region_ptr(), medium.region_len()),
    ];
    // SAFETY: both regions live until the end of this test (a static, and
    // `medium`, declared before `ring` and so dropped after it) and are
    // unregistered explicitly below; the kernel only touches them through
    // the fixed operations submitted here, each with a buffer we own.
    match unsafe { ring.submitter().register_buffers(&regions) } {
        Ok(()) => {}
        Err(error) if is_unavailable(&error) => {
            return report_skip("io_uring buffer registration", &error);
        }
        Err(error) => {
            panic!("register_buffers failed: {error} (ENOMEM: over RLIMIT_MEMLOCK, `ulimit -l`?)")
        }
    }

    // A 4 KiB medium buffer goes out with one WriteFixed …
    let mut page = medium.try_get().unwrap();
    for (i, byte) in page.iter_mut().enumerate() {
        *byte = pattern(1, i);
    }
    let write = opcode::WriteFixed::new(fd, page.as_ptr(), 4096, MEDIUM_INDEX)
        .offset(0)
        .build()
        .user_data(0);
    // SAFETY: `page` is a buffer inside region 1, owned by this guard and
    // only read by the kernel; `complete_all` returns after completion.
    let done = unsafe { complete_all(&mut ring, &[write]) };
    assert_eq!(done[0].result(), 4096, "WriteFixed from the medium region");

    // … and comes back in four 1 KiB small buffers, one ReadFixed each, all
    // in flight together: any sub-range of region 0 is a valid target.
    let mut pieces: Vec<_> = (0..4).map(|_| SMALL.try_get().unwrap()).collect();
    let reads: Vec<_> = pieces
        .iter_mut()
        .enumerate()
        .map(|(i, piece)| {
            opcode::ReadFixed::new(fd, piece.as_mut_ptr().cast(), 1024, SMALL_INDEX)
                .offset(i as u64 * 1024)
                .build()
                .user_data(i as u64)
        })
        .collect();
    // SAFETY: each read targets a distinct small buffer inside region 0,
    // held by a guard in `pieces` and not touched until all complete.
    let done = unsafe { complete_all(&mut ring, &reads) };
    for (i, (cqe, piece)) in done.iter().zip(&pieces).enumerate() {
        assert_eq!(cqe.result(), 1024, "ReadFixed into small buffer {i}");
        assert!(
            piece
                .iter()
                .enumerate()
                .all(|(j, &b)| b == pattern(1, i * 1024 + j)),
            "piece {i} differs from what was written"
        );
    }

    // The other direction: a small buffer out, a medium buffer in.
    let mut note = SMALL.try_get().unwrap();
    for (i, byte) in note.iter_mut().enumerate() {
        *byte = pattern(2, i);
    }
    let mut landing = medium.try_get().unwrap();
    let write = opcode::WriteFixed::new(fd, note.as_ptr(), 1024, SMALL_INDEX)
        .offset(4096)
        .build()
        .user_data(0);
    // SAFETY: `note` is owned, inside region 0, only read by the kernel.
    let done = unsafe { complete_all(&mut ring, &[write]) };
    assert_eq!(done[0].result(), 1024);
    let read = opcode::ReadFixed::new(fd, landing.as_mut_ptr().cast(), 4096, MEDIUM_INDEX)
        .offset(4096)
        .build()
        .user_data(0);
    // SAFETY: `landing` is owned, inside region 1, untouched until done.
    let done = unsafe { complete_all(&mut ring, &[read]) };
    assert_eq!(
        done[0].result(),
        1024,
        "a short read at the end of the file"
    );
    assert_eq!(landing[..1024], note[..]);

    // The kernel checks addresses against the registered region: a medium
    // buffer named as part of the small region is refused with EFAULT.
    let stray = opcode::WriteFixed::new(fd, page.as_ptr(), 4096, SMALL_INDEX)
        .build()
        .user_data(0);
    // SAFETY: `page` is owned and valid; the kernel rejects the request
    // without touching it, and we wait for that completion.
    let done = unsafe { complete_all(&mut ring, &[stray]) };
    assert_eq!(done[0].result(), -libc::EFAULT);

    ring.submitter().unregister_buffers().unwrap();
    drop((page, pieces, note, landing));
    assert_eq!(SMALL.available(), SMALL.capacity());
    assert_eq!(medium.available(), medium.capacity());
    println!(
        "ran: register_buffers (2 regions: static SmallPool in .bss, RuntimePool<MediumBuffer>), \
         WriteFixed, ReadFixed (4 in flight), EFAULT outside a region, unregister_buffers"
    );
}

/// A provided-buffer ring (`IORING_REGISTER_PBUF_RING`) in page-aligned
/// memory: entries are written at the tail, then the tail is published.
struct ProvidedRing {
    memory: AlignedMem,
    entries: u16,
    /// Our copy of the tail; the kernel's is in entry 0's `resv` field.
    tail: u16,
}

impl ProvidedRing {
    fn new(entries: u16) -> Self {
        assert!(entries.is_power_of_two() && entries <= 32768);
        let bytes = usize::from(entries) * size_of::<BufRingEntry>();
        Self {
            memory: AlignedMem::new(bytes).unwrap(),
            entries,
            tail: 0,
        }
    }

    fn base(&self) -> *mut BufRingEntry {
        self.memory.as_ptr().cast()
    }

    /// Writes one entry at the tail, not yet visible to the kernel.
    fn push(&mut self, addr: *mut u8, len: u32, bid: u16) {
        let slot = usize::from(self.tail & (self.entries - 1));
        // SAFETY: `slot` is below `entries`, so the entry lies inside the
        // mapping, which is 16-byte aligned (page-aligned). The kernel reads
        // entries between its head and the published tail, and entry 0's
        // `resv` is the published tail itself, which the kernel reads while
        // a buffer-selecting operation is in flight. This helper is only
        // called while no operation is in flight (the tests push, then
        // publish, then submit), so this `&mut` aliases nothing; the field
        // setters leave `resv` alone.
        let entry = unsafe { &mut *self.base().add(slot) };
        entry.set_addr(addr as u64);
        entry.set_len(len);
        entry.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    /// Makes every pushed entry visible to the kernel.
    fn publish(&self) {
        // SAFETY: `base` is the first entry of the ring, inside the mapping.
        let tail = unsafe { BufRingEntry::tail(self.base()) };
        // SAFETY: the tail is a naturally aligned u16 in live memory that
        // the kernel reads concurrently, so it is accessed atomically; the
        // release store orders the entry writes before it.
        unsafe { AtomicU16::from_ptr(tail.cast_mut()) }.store(self.tail, Ordering::Release);
    }
}

#[test]
fn pool_buffers_lent_to_the_kernel_through_a_provided_buffer_ring() {
    const ENTRIES: u16 = 8;
    const GROUP: u16 = 7;
    println!("kernel: {}", kernel());
    let pool = RuntimePool::<SmallBuffer>::new(usize::from(ENTRIES)).unwrap();
    let mut provided = ProvidedRing::new(ENTRIES);
    let (mut sender, receiver) = UnixStream::pair().unwrap();
    let Some(mut ring) = new_ring(8) else { return };

    // SAFETY: the ring memory lives in `provided`, declared before `ring`
    // (so dropped after it), and is unregistered explicitly below.
    match unsafe {
        ring.submitter()
            .register_buf_ring_with_flags(provided.base() as u64, ENTRIES, GROUP, 0)
    } {
        Ok(()) => {}
        Err(error) if is_unavailable(&error) || error.raw_os_error() == Some(libc::EINVAL) => {
            return report_skip("provided-buffer rings (Linux 5.19+)", &error);
        }
        Err(error) => panic!("register_buf_ring failed: {error}"),
    }

    // Every pool buffer goes to the kernel in raw form: bid = pool index.
    let mut lent = BTreeSet::new();
    while let Ok(buf) = pool.try_get() {
        let id = buf.into_raw();
        let bid = u16::try_from(id.get()).expect("buffer ids are u16");
        let addr = pool.item_ptr(id).unwrap().as_ptr().cast::<u8>();
        provided.push(addr, SMALL_SIZE as u32, bid);
        lent.insert(bid);
    }
    provided.publish();
    assert_eq!(pool.available(), 0);
    assert_eq!(lent.len(), usize::from(ENTRIES));

    let long: Vec<u8> = (0..SMALL_SIZE).map(|i| pattern(3, i)).collect();
    let messages: [&[u8]; 3] = [b"hello through a provided buffer", &long[..1000], &long];
    let mut kept = Vec::new();
    for (turn, message) in messages.iter().enumerate() {
        sender.write_all(message).unwrap();
        let recv = opcode::Recv::new(
            Fd(receiver.as_raw_fd()),
            std::ptr::null_mut(),
            SMALL_SIZE as u32,
        )
        .buf_group(GROUP)
        .build()
        .flags(squeue::Flags::BUFFER_SELECT)
        .user_data(turn as u64);
        // SAFETY: the kernel picks a buffer from the provided ring, all of
        // whose buffers are pool buffers out in raw form (owned by nobody
        // in this program) and live as long as `pool`; we wait for the
        // completion before looking at the buffer.
        let done = unsafe { complete_all(&mut ring, &[recv]) };
        let received = usize::try_from(done[0].result())
            .unwrap_or_else(|_| panic!("recv failed: {}", -done[0].result()));
        let bid = cqueue::buffer_select(done[0].flags()).expect("a buffer was selected");
        assert!(lent.remove(&bid), "bid {bid} was not lent to the kernel");

        let buf = pool
            .from_raw_checked(BufIndex::from(u32::from(bid)))
            .unwrap();
        assert_eq!(&buf[..received], *message, "message {turn}");
        // A repeated bid (a bug somewhere) is caught, not aliased.
        assert_eq!(
            pool.from_raw_checked(buf.index()).unwrap_err(),
            RawIndexError::NotCheckedOut { index: buf.index() }
        );

        if turn == 0 {
            // Recycle: the buffer goes back into the ring at once.
            let id = buf.into_raw();
            let addr = pool.item_ptr(id).unwrap().as_ptr().cast::<u8>();
            provided.push(addr, SMALL_SIZE as u32, bid);
            provided.publish();
            lent.insert(bid);
        } else {
            kept.push(buf);
        }
    }
    assert_eq!(lent.len(), usize::from(ENTRIES) - 2);
    assert_eq!(pool.available(), 0);

    // Take the ring back from the kernel, then re-enter what it still held.
    ring.submitter().unregister_buf_ring(GROUP).unwrap();
    for bid in lent {
        drop(
            pool.from_raw_checked(BufIndex::from(u32::from(bid)))
                .unwrap(),
        );
    }
    drop(kept);
    assert_eq!(pool.available(), pool.capacity());
    println!(
        "ran: register_buf_ring ({ENTRIES} pool buffers, bid = pool index), \
         Recv with BUFFER_SELECT x3, recycling a buffer into the ring, unregister_buf_ring"
    );
}
