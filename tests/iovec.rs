//! `IoVec`: layout, conversions, capacity and batch limits.

use iobuf::{IoVec, IoVecError, MicroPool, NanoPool, SmallPool, UIO_MAXIOV};

#[cfg(feature = "libc")]
#[cfg(unix)]
#[test]
fn layout_equals_libc_iovec() {
    use core::mem::{align_of, offset_of, size_of};

    assert_eq!(size_of::<IoVec>(), size_of::<libc::iovec>());
    assert_eq!(align_of::<IoVec>(), align_of::<libc::iovec>());
    assert_eq!(offset_of!(libc::iovec, iov_base), 0);
    assert_eq!(offset_of!(libc::iovec, iov_len), size_of::<usize>());

    // Field offsets, observed through the cast view.
    let mut data = [0u8; 7];
    let iovecs = [IoVec::from(&mut data), IoVec::from_slice(b"xy")];
    let raw = IoVec::as_libc(&iovecs);
    assert_eq!(raw.len(), 2);
    assert_eq!(raw.as_ptr().cast::<IoVec>(), iovecs.as_ptr());
    assert_eq!(raw[0].iov_base.cast::<u8>(), data.as_mut_ptr());
    assert_eq!(raw[0].iov_len, 7);
    assert_eq!(raw[1].iov_len, 2);

    // Round trips.
    assert_eq!(IoVec::from(libc::iovec::from(iovecs[1])), iovecs[1]);
}

#[cfg(all(feature = "std", unix))]
#[test]
fn layout_equals_io_slice() {
    use std::io::{IoSlice, IoSliceMut};

    let (a, b) = (*b"left", *b"right!");
    let slices = [IoSlice::new(&a), IoSlice::new(&b)];
    let iovecs = IoVec::from_io_slices(&slices);
    assert_eq!(iovecs, [IoVec::from(&a), IoVec::from(&b)]);

    let (mut c, mut d) = ([0u8; 3], [0u8; 5]);
    let (c_ptr, d_ptr) = (c.as_mut_ptr(), d.as_mut_ptr());
    let mut slices = [IoSliceMut::new(&mut c), IoSliceMut::new(&mut d)];
    let iovecs = IoVec::from_io_slices_mut(&mut slices);
    assert_eq!(iovecs, [IoVec::new(c_ptr, 3), IoVec::new(d_ptr, 5)]);
}

#[test]
fn conversions_point_at_the_buffers() {
    static POOL: SmallPool<4> = SmallPool::new();

    let mut a = POOL.try_get().unwrap();
    let b = POOL.try_get().unwrap();
    let from_mut = IoVec::from(&mut a);
    assert_eq!(from_mut.base(), a.as_mut_slice().as_mut_ptr());
    assert_eq!(from_mut.len(), iobuf::SMALL_SIZE);
    let from_ref = IoVec::from(&b);
    assert_eq!(from_ref.base().cast_const(), b.as_ptr());
    assert_eq!(from_ref.len(), iobuf::SMALL_SIZE);

    // Tier buffers and slices.
    let mut array: iobuf::PicoBuffer = [0; iobuf::PICO_SIZE];
    let iovec = IoVec::from(&mut array);
    assert_eq!((iovec.base(), iovec.len()), (array.as_mut_ptr(), 16));
    let iovec = IoVec::from(&array[3..10]);
    assert_eq!(
        (iovec.base().cast_const(), iovec.len()),
        (array[3..].as_ptr(), 7)
    );
    assert!(IoVec::from(&[][..]).is_empty());
}

#[cfg(all(feature = "std", unix))]
#[test]
fn runtime_pool_guards_convert() {
    use std::sync::Arc;

    let pool = Arc::new(iobuf::sys::RuntimePool::<iobuf::MediumBuffer>::new(2).unwrap());
    let mut owned = pool.try_get_owned().unwrap();
    let mut borrowed = pool.try_get().unwrap();
    // Different guard types mix once converted.
    let iovecs =
        IoVec::collect::<2>([IoVec::from(&mut owned), IoVec::from(&mut borrowed)]).unwrap();
    assert_eq!(iovecs[1].base(), borrowed.as_mut_ptr().cast::<u8>());
    let one = IoVec::from(&mut owned);
    assert_eq!(one.base(), owned.as_mut_ptr().cast::<u8>());
    assert_eq!(one.len(), iobuf::MEDIUM_SIZE);
    assert_eq!(one.base() as usize % 4096, 0);
}

#[test]
fn fill_writes_one_descriptor_per_buffer() {
    static POOL: MicroPool<8> = MicroPool::new();

    let mut guards: Vec<_> = (0..5).map(|_| POOL.try_get().unwrap()).collect();
    let mut storage = [IoVec::EMPTY; 8];
    let filled = IoVec::fill(&mut storage, guards.iter_mut()).unwrap();
    assert_eq!(filled.len(), 5);
    for (iovec, guard) in filled.iter().zip(&mut guards) {
        assert_eq!(iovec.base(), guard.as_mut_ptr().cast::<u8>());
        assert_eq!(iovec.len(), iobuf::MICRO_SIZE);
    }
    assert!(storage[5..].iter().all(|iovec| *iovec == IoVec::EMPTY));

    // Exactly full fits; one more does not.
    let mut exact = [IoVec::EMPTY; 5];
    assert_eq!(IoVec::fill(&mut exact, guards.iter()).unwrap().len(), 5);
    let mut short = [IoVec::EMPTY; 4];
    assert_eq!(
        IoVec::fill(&mut short, guards.iter()),
        Err(IoVecError::Full { capacity: 4 })
    );
    assert!(
        IoVec::fill(&mut [], core::iter::empty::<&[u8]>())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn heapless_capacity_is_enforced() {
    static POOL: NanoPool<8> = NanoPool::new();

    let guards: Vec<_> = (0..3).map(|_| POOL.try_get().unwrap()).collect();
    let iovecs = IoVec::collect::<3>(&guards).unwrap();
    assert_eq!(iovecs.len(), 3);
    assert_eq!(iovecs[2].base().cast_const(), guards[2].as_ptr());
    assert_eq!(
        IoVec::collect::<2>(&guards),
        Err(IoVecError::Full { capacity: 2 })
    );
    assert_eq!(
        IoVec::collect::<0>(&guards),
        Err(IoVecError::Full { capacity: 0 })
    );
}

#[test]
fn too_many_for_one_call() {
    let at_limit = vec![IoVec::EMPTY; UIO_MAXIOV];
    let (address, count) = IoVec::addr_len(&at_limit).unwrap();
    assert_eq!((address, count), (at_limit.as_ptr(), 1024));

    let over = vec![IoVec::EMPTY; UIO_MAXIOV + 1];
    assert_eq!(
        IoVec::addr_len(&over),
        Err(IoVecError::TooMany {
            count: 1025,
            max: 1024
        })
    );
    assert_eq!(IoVec::addr_len(&[]).unwrap().1, 0);
}

#[test]
fn batches_split_at_uio_maxiov() {
    let sizes = |n: usize| -> Vec<usize> {
        let iovecs = vec![IoVec::EMPTY; n];
        IoVec::batches(&iovecs).map(<[IoVec]>::len).collect()
    };
    assert_eq!(sizes(1024), [1024]);
    assert_eq!(sizes(1025), [1024, 1]);
    assert_eq!(sizes(2048), [1024, 1024]);
    assert_eq!(sizes(1), [1]);
    assert!(sizes(0).is_empty());

    // Order is kept and every batch goes through `addr_len`.
    let data = [0u8; 1025];
    let iovecs: Vec<IoVec> = (0..1025).map(|i| IoVec::from(&data[i..=i])).collect();
    let mut seen = 0;
    for batch in IoVec::batches(&iovecs) {
        let (address, count) = IoVec::addr_len(batch).unwrap();
        assert_eq!(address, iovecs[seen..].as_ptr());
        seen += count;
    }
    assert_eq!(seen, 1025);

    let mut iovecs = iovecs;
    assert_eq!(IoVec::batches_mut(&mut iovecs).count(), 2);
}

#[test]
fn advance_slices_follows_short_transfers() {
    let (a, b, c) = (*b"abc", *b"", *b"defgh");
    let mut storage = [IoVec::from(&a), IoVec::from(&b), IoVec::from(&c)];
    let mut pending = &mut storage[..];
    IoVec::advance_slices(&mut pending, 0);
    assert_eq!(pending.len(), 3);
    IoVec::advance_slices(&mut pending, 3); // `a` and the empty `b` are done
    assert_eq!(pending, [IoVec::from(&c)]);
    IoVec::advance_slices(&mut pending, 4);
    assert_eq!(pending, [IoVec::from(&c[4..])]);
    IoVec::advance_slices(&mut pending, 1);
    assert!(pending.is_empty());
}

#[test]
#[should_panic(expected = "beyond")]
fn advance_slices_past_the_end_panics() {
    let mut storage = [IoVec::from_slice(b"ab")];
    let mut pending = &mut storage[..];
    IoVec::advance_slices(&mut pending, 3);
}

#[test]
fn io_vec_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<IoVec>();
    assert_send_sync::<IoVecError>();
}
