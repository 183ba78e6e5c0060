//! The model of a pool's free buffers, shared by the fuzz targets: the hot
//! slot in front of a FIFO ring (see `src/hot.rs`). A get takes the slot's
//! index, else the ring's oldest; a return fills the slot if it is empty,
//! else goes to the back of the ring.

use std::collections::VecDeque;

pub struct FreeModel {
    pub hot: Option<u32>,
    pub ring: VecDeque<u32>,
}

impl FreeModel {
    /// A full pool: every index in the ring, in order; the slot empty.
    pub fn full(capacity: usize) -> Self {
        Self {
            hot: None,
            ring: (0..capacity as u32).collect(),
        }
    }

    /// What a single get hands out.
    pub fn take(&mut self) -> Option<u32> {
        self.hot.take().or_else(|| self.ring.pop_front())
    }

    /// A single return.
    pub fn give(&mut self, index: u32) {
        if self.hot.is_none() {
            self.hot = Some(index);
        } else {
            self.ring.push_back(index);
        }
    }

    /// A pool's bulk get of up to `count`: the ring's oldest first, then
    /// single gets while they succeed.
    #[allow(dead_code)] // not every target asks
    pub fn take_bulk(&mut self, count: usize) -> Vec<u32> {
        let from_ring = count.min(self.ring.len());
        let mut taken: Vec<u32> = self.ring.drain(..from_ring).collect();
        while taken.len() < count {
            let Some(one) = self.take() else { break };
            taken.push(one);
        }
        taken
    }

    /// A cache's refill of up to `count`: the ring's oldest first, then, if
    /// the ring ran dry, one single get.
    #[allow(dead_code)] // not every target asks
    pub fn refill(&mut self, count: usize) -> Vec<u32> {
        let from_ring = count.min(self.ring.len());
        let mut taken: Vec<u32> = self.ring.drain(..from_ring).collect();
        if taken.len() < count {
            taken.extend(self.take());
        }
        taken
    }

    /// A bulk return (a cache spill or flush, or `put_bulk`): to the ring.
    pub fn give_bulk(&mut self, indices: impl IntoIterator<Item = u32>) {
        self.ring.extend(indices);
    }

    pub fn len(&self) -> usize {
        self.ring.len() + usize::from(self.hot.is_some())
    }

    #[allow(dead_code)] // not every target asks
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
