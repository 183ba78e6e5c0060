//! iovec conversion inputs: lists of buffers of any lengths, converted into
//! caller storage and `heapless::Vec`s, checked for the `UIO_MAXIOV` limit,
//! split into batches and advanced by arbitrary short transfers. Every
//! descriptor must name exactly its buffer, every error must be the typed
//! one the model predicts, and advancing must leave exactly the bytes not
//! yet transferred.

#![no_main]

use arbitrary::Arbitrary;
use iobuf::{IoVec, IoVecError, UIO_MAXIOV};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    /// One buffer per entry, of that many bytes (0 to 255).
    lengths: Vec<u8>,
    /// A list this many times the input, to cross `UIO_MAXIOV`.
    repeat: u8,
    /// Capacity of the caller's descriptor storage.
    storage: u8,
    /// Sizes of successive short transfers.
    transfers: Vec<u16>,
}

fuzz_target!(|input: Input| {
    let lengths: Vec<usize> =
        std::iter::repeat_n(&input.lengths, usize::from(input.repeat % 8) + 1)
            .flatten()
            .map(|&len| usize::from(len))
            .collect();
    let total: usize = lengths.iter().sum();
    // The byte stream, numbered so that any misplaced byte shows.
    let stream: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let mut buffers: Vec<&[u8]> = Vec::with_capacity(lengths.len());
    let mut rest = &stream[..];
    for &len in &lengths {
        let (buffer, tail) = rest.split_at(len);
        buffers.push(buffer);
        rest = tail;
    }

    // Into caller storage.
    let capacity = usize::from(input.storage);
    let mut storage = vec![IoVec::EMPTY; capacity];
    match IoVec::fill(&mut storage, buffers.iter().copied()) {
        Ok(filled) => {
            assert!(buffers.len() <= capacity);
            for (iovec, buffer) in filled.iter().zip(&buffers) {
                assert_eq!(
                    (iovec.base().cast_const(), iovec.len()),
                    (buffer.as_ptr(), buffer.len())
                );
            }
        }
        Err(error) => {
            assert!(buffers.len() > capacity);
            assert_eq!(error, IoVecError::Full { capacity });
        }
    }

    // Into a heapless vector.
    match IoVec::collect::<64>(buffers.iter().copied()) {
        Ok(iovecs) => assert_eq!(iovecs.len(), buffers.len()),
        Err(error) => {
            assert!(buffers.len() > 64);
            assert_eq!(error, IoVecError::Full { capacity: 64 });
        }
    }

    // The one-call limit, and batches under it.
    let mut iovecs: Vec<IoVec> = buffers.iter().map(|b| IoVec::from_slice(b)).collect();
    match IoVec::addr_len(&iovecs) {
        Ok((pointer, count)) => {
            assert!(count <= UIO_MAXIOV);
            assert_eq!((pointer, count), (iovecs.as_ptr(), iovecs.len()));
        }
        Err(error) => assert_eq!(
            error,
            IoVecError::TooMany {
                count: iovecs.len(),
                max: UIO_MAXIOV
            }
        ),
    }
    let batches: Vec<&[IoVec]> = IoVec::batches(&iovecs).collect();
    assert_eq!(batches.len(), iovecs.len().div_ceil(UIO_MAXIOV));
    assert!(
        batches
            .iter()
            .all(|b| !b.is_empty() && b.len() <= UIO_MAXIOV)
    );
    assert_eq!(batches.concat(), iovecs);

    // Short transfers: what is left must be exactly the rest of the stream.
    let mut pending = &mut iovecs[..];
    let mut done = 0;
    for &transfer in &input.transfers {
        let n = usize::from(transfer).min(total - done);
        IoVec::advance_slices(&mut pending, n);
        done += n;
        let left: Vec<u8> = pending
            .iter()
            // SAFETY: every descriptor names a sub-slice of `stream`, alive
            // and unchanged for this whole function.
            .flat_map(|iovec| unsafe { std::slice::from_raw_parts(iovec.base(), iovec.len()) })
            .copied()
            .collect();
        assert_eq!(left, stream[done..]);
    }
});
