//! Page-aligned memory from the kernel: alignment, size, zeroing, huge-page
//! fallback and typed errors, against the real `mmap`.
#![cfg(all(feature = "std", unix, not(miri)))]

use iobuf::sys::{AlignedMem, HUGE_PAGE_SIZE, MemError, MemOptions, Pages, page_size};

fn read_number(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[test]
fn page_size_comes_from_the_os() {
    // SAFETY: sysconf has no preconditions.
    let os = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    assert_eq!(page_size() as libc::c_long, os);
}

#[test]
fn memory_is_page_aligned_zeroed_and_exactly_as_long_as_asked() {
    for size in [1, 100, 4095, 4096, 4097, 1 << 20, (1 << 20) + 3] {
        let mut mem = AlignedMem::new(size).unwrap();
        assert_eq!(mem.as_ptr() as usize % page_size(), 0, "size {size}");
        assert_eq!(mem.len(), size);
        assert_eq!(mem.mapped_len(), size.next_multiple_of(page_size()));
        assert!(mem.iter().all(|&b| b == 0));
        mem.fill(0xA5);
        assert!(mem.iter().all(|&b| b == 0xA5));
    }
}

/// `size` zeroed bytes aligned to `alignment`.
fn aligned(size: usize, alignment: usize) -> Result<AlignedMem, MemError> {
    AlignedMem::with_options(size, MemOptions::new().alignment(alignment))
}

#[test]
fn aligned_mem_honours_alignments_above_a_page() {
    for alignment in [page_size(), 1 << 16, 1 << 21] {
        let mem = aligned(3 * page_size(), alignment).unwrap();
        assert_eq!(mem.as_ptr() as usize % alignment, 0);
        assert_eq!(mem.len(), 3 * page_size());
    }
}

#[test]
fn blocks_are_separate_single_pages() {
    let mut blocks: Vec<AlignedMem> = (0..8)
        .map(|_| AlignedMem::new(page_size()).unwrap())
        .collect();
    assert_eq!(blocks.len(), 8);
    for (i, block) in blocks.iter_mut().enumerate() {
        assert_eq!(block.len(), page_size());
        assert_eq!(block.as_ptr() as usize % page_size(), 0);
        block[0] = i as u8;
    }
    let starts: std::collections::HashSet<usize> =
        blocks.iter().map(|b| b.as_ptr() as usize).collect();
    assert_eq!(starts.len(), 8);
    assert!(blocks.iter().enumerate().all(|(i, b)| b[0] == i as u8));
}

#[test]
fn zero_size_and_bad_alignment_are_typed_errors() {
    assert!(matches!(
        AlignedMem::new(0),
        Err(MemError::InvalidSize { size: 0 })
    ));
    assert!(matches!(
        AlignedMem::new(usize::MAX),
        Err(MemError::InvalidSize { .. })
    ));
    for alignment in [0, 3, page_size() / 2, 3 * page_size()] {
        assert!(
            matches!(
                aligned(64, alignment),
                Err(MemError::InvalidAlignment { .. })
            ),
            "alignment {alignment}"
        );
    }
}

#[test]
fn a_mapping_the_kernel_refuses_is_a_map_error_with_the_os_error() {
    // 64 TiB: beyond RAM + swap, so the overcommit heuristic refuses it
    // (or, with overcommit disabled, the commit limit does).
    let error = AlignedMem::new(1 << 46).unwrap_err();
    match &error {
        MemError::Map(os) => assert_eq!(os.raw_os_error(), Some(libc::ENOMEM)),
        other => panic!("expected a Map error, got {other:?}"),
    }
    assert!(error.to_string().starts_with("mmap failed"));
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn huge_pages_fall_back_visibly_when_none_are_reserved() {
    let mem = AlignedMem::with_options(HUGE_PAGE_SIZE, MemOptions::new().huge_pages(true)).unwrap();
    assert_eq!(mem.mapped_len() % HUGE_PAGE_SIZE, 0);
    let reserved = read_number("/proc/sys/vm/nr_hugepages").unwrap_or(0);
    let thp =
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
    println!(
        "huge pages: {reserved} reserved, THP setting {:?}: got {:?}",
        thp.trim(),
        mem.pages()
    );
    if reserved == 0 {
        assert_ne!(mem.pages(), Pages::HugeTlb);
        // The fallback is aligned so transparent huge pages can back it.
        assert_eq!(mem.as_ptr() as usize % HUGE_PAGE_SIZE, 0);
        if thp.contains("[always]") || thp.contains("[madvise]") {
            assert_eq!(mem.pages(), Pages::TransparentHuge);
        }
    }
}

#[test]
fn populate_and_lock_give_resident_locked_memory() {
    let mem = AlignedMem::with_options(1 << 16, MemOptions::new().populate(true).lock(true));
    match mem {
        Ok(mem) => {
            assert!(mem.is_locked());
            assert!(mem.iter().all(|&b| b == 0));
        }
        // An unprivileged process with a tiny `ulimit -l` may be refused:
        // then the error must carry the OS error, and nothing else happens.
        Err(MemError::Lock(os)) => {
            println!("mlock refused: {os}");
            assert!(os.raw_os_error().is_some());
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn populate_works_with_large_alignments_too() {
    let options = MemOptions::new().populate(true).alignment(1 << 21);
    let mem = AlignedMem::with_options(5 * page_size(), options).unwrap();
    assert_eq!(mem.as_ptr() as usize % (1 << 21), 0);
    assert!(mem.iter().all(|&b| b == 0));
}

/// Runs `child` in a forked process and returns its exit code. The child
/// makes only system calls (no allocation), so forking a multi-threaded
/// test harness is safe.
fn in_child_process(child: impl FnOnce() -> i32) -> i32 {
    // SAFETY: fork has no memory-safety preconditions; the child only runs
    // `child` (system calls, no locks or allocation) and `_exit`s.
    match unsafe { libc::fork() } {
        -1 => panic!("fork failed: {}", std::io::Error::last_os_error()),
        0 => {
            /// Ends the child even if `child` panics: unwinding must not
            /// carry on into the test harness inside the child process.
            struct ExitOnUnwind;
            impl Drop for ExitOnUnwind {
                fn drop(&mut self) {
                    // SAFETY: ends the child process at once.
                    unsafe { libc::_exit(99) }
                }
            }
            let guard = ExitOnUnwind;
            let code = child();
            std::mem::forget(guard);
            // SAFETY: ends the child without running the parent's exit hooks.
            unsafe { libc::_exit(code) }
        }
        pid => {
            let mut status = 0;
            // SAFETY: waits for the child just forked; `status` is writable.
            let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
            assert_eq!(waited, pid);
            assert!(libc::WIFEXITED(status), "child died: status {status}");
            libc::WEXITSTATUS(status)
        }
    }
}

#[test]
fn locking_beyond_the_memlock_limit_is_a_lock_error() {
    let code = in_child_process(|| {
        let limit = libc::rlimit {
            rlim_cur: 64 * 1024,
            rlim_max: 64 * 1024,
        };
        // SAFETY: plain system calls on this (child) process.
        unsafe {
            if libc::setrlimit(libc::RLIMIT_MEMLOCK, &limit) != 0 {
                return 10;
            }
            // Root ignores the limit (CAP_IPC_LOCK); become `nobody`, which
            // drops every capability. Not root: the limit applies already.
            if libc::geteuid() == 0 && libc::setuid(65534) != 0 {
                return 11;
            }
        }
        match AlignedMem::with_options(1 << 20, MemOptions::new().lock(true)) {
            Err(MemError::Lock(os)) => match os.raw_os_error() {
                Some(libc::ENOMEM | libc::EAGAIN | libc::EPERM) => 0,
                _ => 12,
            },
            Ok(_) => 13,
            Err(_) => 14,
        }
    });
    assert_eq!(code, 0, "child reported {code}");
}

#[test]
fn a_ring_the_allocator_refuses_is_a_typed_error_not_an_abort() {
    use iobuf::sys::{PoolError, RuntimePool};

    let code = in_child_process(|| {
        // 4 GiB of address space: the 2 GiB region maps, the 16 GiB ring of
        // 2^31 slots cannot be allocated.
        let limit = libc::rlimit {
            rlim_cur: 4 << 30,
            rlim_max: 4 << 30,
        };
        // SAFETY: a plain system call on this (child) process.
        if unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) } != 0 {
            return 10;
        }
        match RuntimePool::<u8>::new(iobuf::MAX_CAPACITY) {
            Err(PoolError::Memory(MemError::Map(os)))
                if os.raw_os_error() == Some(libc::ENOMEM) =>
            {
                0
            }
            Err(_) => 11,
            Ok(_) => 12,
        }
    });
    assert_eq!(code, 0, "child reported {code}");
}
