//! The model of a pool's free buffers, shared by the fuzz targets: the owned
//! hot slot and the shared hot slot in front of a FIFO ring (see
//! `src/hot.rs`). A get that claims the owned slot owns it until its guard
//! comes back (and refills it) or is taken apart (and releases it).

use std::collections::VecDeque;

/// The owned hot slot.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Owned {
    /// Empty, and the next get claims it.
    Free,
    /// Empty, and a held guard will refill or release it.
    Claimed,
    /// Holds an index.
    Full(u32),
}

pub struct FreeModel {
    pub owned: Owned,
    pub shared: Option<u32>,
    pub ring: VecDeque<u32>,
}

/// What a get hands out: the index, and whether its guard owns the owned
/// slot.
pub type Taken = (u32, bool);

impl FreeModel {
    /// A full pool: every index in the ring, in order; both slots empty.
    pub fn full(capacity: usize) -> Self {
        Self {
            owned: Owned::Free,
            shared: None,
            ring: (0..capacity as u32).collect(),
        }
    }

    /// What a single get hands out: the owned slot's index, else the shared
    /// slot's, else the ring's oldest. A get that finds the owned slot free
    /// owns it if it finds an index elsewhere.
    pub fn take(&mut self) -> Option<Taken> {
        match self.owned {
            Owned::Full(index) => {
                self.owned = Owned::Claimed;
                Some((index, true))
            }
            Owned::Free => {
                let index = self.take_elsewhere()?;
                self.owned = Owned::Claimed;
                Some((index, true))
            }
            Owned::Claimed => self.take_elsewhere().map(|index| (index, false)),
        }
    }

    fn take_elsewhere(&mut self) -> Option<u32> {
        self.shared.take().or_else(|| self.ring.pop_front())
    }

    /// A get whose caller keeps no guard (a cache's refill): it gives the
    /// owned slot up at once.
    #[allow(dead_code)] // not every target asks
    pub fn take_bare(&mut self) -> Option<u32> {
        let (index, owner) = self.take()?;
        self.release(owner);
        Some(index)
    }

    /// A single return: the owner refills the owned slot; any other return
    /// goes into the shared slot if it is empty, else to the ring.
    pub fn give(&mut self, (index, owner): Taken) {
        if owner {
            assert_eq!(self.owned, Owned::Claimed, "model: two owners");
            self.owned = Owned::Full(index);
        } else if self.shared.is_none() {
            self.shared = Some(index);
        } else {
            self.ring.push_back(index);
        }
    }

    /// A guard taken apart (`into_raw`, `put_bulk`, a cache's `put`): an
    /// owner gives the owned slot up.
    pub fn release(&mut self, owner: bool) {
        if owner {
            assert_eq!(self.owned, Owned::Claimed, "model: two owners");
            self.owned = Owned::Free;
        }
    }

    /// A pool's bulk get of up to `count`: the ring's oldest first, then
    /// single gets while they succeed.
    #[allow(dead_code)] // not every target asks
    pub fn take_bulk(&mut self, count: usize) -> Vec<Taken> {
        let from_ring = count.min(self.ring.len());
        let mut taken: Vec<Taken> = self.ring.drain(..from_ring).map(|i| (i, false)).collect();
        while taken.len() < count {
            let Some(one) = self.take() else { break };
            taken.push(one);
        }
        taken
    }

    /// A cache's refill of up to `count`: the ring's oldest first, then, if
    /// the ring ran dry, one bare get.
    #[allow(dead_code)] // not every target asks
    pub fn refill(&mut self, count: usize) -> Vec<u32> {
        let from_ring = count.min(self.ring.len());
        let mut taken: Vec<u32> = self.ring.drain(..from_ring).collect();
        if taken.len() < count {
            taken.extend(self.take_bare());
        }
        taken
    }

    /// A bulk return (a cache spill or flush, or the indices of `put_bulk`,
    /// whose owners released first): to the ring.
    pub fn give_bulk(&mut self, indices: impl IntoIterator<Item = u32>) {
        self.ring.extend(indices);
    }

    pub fn len(&self) -> usize {
        let owned = matches!(self.owned, Owned::Full(_));
        self.ring.len() + usize::from(self.shared.is_some()) + usize::from(owned)
    }

    #[allow(dead_code)] // not every target asks
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
