//! The model of a pool's free buffers, shared by the fuzz targets: the hot
//! slot (the buffer returned last, if it went there) in front of a FIFO
//! ring.

use std::collections::VecDeque;

pub struct FreeModel {
    pub hot: Option<u32>,
    pub ring: VecDeque<u32>,
}

impl FreeModel {
    /// A full pool: every index in the ring, in order; the hot slot empty.
    pub fn full(capacity: usize) -> Self {
        Self {
            hot: None,
            ring: (0..capacity as u32).collect(),
        }
    }

    /// What a single get hands out: the hot slot's index, else the ring's
    /// oldest.
    pub fn take(&mut self) -> Option<u32> {
        self.hot.take().or_else(|| self.ring.pop_front())
    }

    /// A single return: into the hot slot if it is empty, else to the ring.
    pub fn give(&mut self, index: u32) {
        match self.hot {
            None => self.hot = Some(index),
            Some(_) => self.ring.push_back(index),
        }
    }

    /// A bulk take of up to `count`: the ring's oldest first, then, if the
    /// ring ran dry, the hot slot's.
    pub fn take_bulk(&mut self, count: usize) -> Vec<u32> {
        let from_ring = count.min(self.ring.len());
        let mut taken: Vec<u32> = self.ring.drain(..from_ring).collect();
        if taken.len() < count {
            taken.extend(self.hot.take());
        }
        taken
    }

    /// A bulk return (`put_bulk`, a cache spill or flush): to the ring.
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
