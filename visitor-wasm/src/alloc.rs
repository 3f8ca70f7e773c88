//! The wasm build's memory allocator: power-of-two size classes, each with a free list.
//!
//! Why not Rust's default (dlmalloc)? Download size: dlmalloc is about 3 KB of the gzipped module, and
//! the visitor's whole download must stay under 50 KB. This one is a few hundred bytes and suits how the
//! visitor allocates: the strings and vectors of each snapshot or batch are freed soon after, and the next
//! batch reuses the same blocks from the free lists.
//!
//! A request is rounded up to a power of two (at least 8 bytes, enough for the free-list link) and served
//! from that class's free list, or carved from the end of the heap, which grows with `memory.grow`. A block
//! is aligned to its size (up to a page), so any alignment up to the size holds. Freed blocks return to
//! their class's list and are never merged or given back: wasm memory cannot shrink anyway. Rounding up
//! costs at most half of a block; in exchange, growing a vector within its class is free.
//!
//! The module is single-threaded (wasm32 without atomics), so the state needs no lock.

use std::alloc::{GlobalAlloc, Layout};
use std::arch::wasm32;
use std::cell::UnsafeCell;
use std::ptr;

const PAGE: usize = 65536;
/// The smallest block: room for the free-list link.
const MIN_BLOCK: usize = 8;

#[global_allocator]
static ALLOCATOR: SizeClasses = SizeClasses(UnsafeCell::new(Heap { free: [ptr::null_mut(); 32], next: 0, end: 0 }));

struct SizeClasses(UnsafeCell<Heap>);

// SAFETY: wasm32 without atomics has one thread.
unsafe impl Sync for SizeClasses {}

struct Heap {
    /// The first free block of each class (class `c` holds blocks of `1 << c` bytes); each free block
    /// starts with a pointer to the next.
    free: [*mut u8; 32],
    /// Where the next carved block may start.
    next: usize,
    /// The end of the memory this allocator grew.
    end: usize,
}

/// The size class of a layout: log2 of its block size.
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(MIN_BLOCK);
    size.checked_next_power_of_two().map(|block| block.trailing_zeros() as usize)
}

unsafe impl GlobalAlloc for SizeClasses {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else { return ptr::null_mut() };
        // SAFETY: one thread, and no allocator call re-enters another.
        let heap = unsafe { &mut *self.0.get() };
        let block = heap.free[class];
        if block.is_null() {
            return heap.carve(1 << class);
        }
        // SAFETY: a free block starts with the link to the next free block of its class.
        heap.free[class] = unsafe { block.cast::<*mut u8>().read() };
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout) else { return };
        // SAFETY: as in alloc; `block` came from alloc with this layout, so it holds at least a pointer.
        let heap = unsafe { &mut *self.0.get() };
        unsafe { block.cast::<*mut u8>().write(heap.free[class]) };
        heap.free[class] = block;
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees new_size, rounded to the alignment, does not overflow.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if class_of(layout) == class_of(new_layout) {
            return block;
        }
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            unsafe {
                ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
        }
        moved
    }
}

impl Heap {
    /// A new block of `size` bytes (a power of two) from the end of the heap, growing memory as needed.
    fn carve(&mut self, size: usize) -> *mut u8 {
        let align = size.min(PAGE);
        let Some(end) = self.next.checked_next_multiple_of(align).and_then(|start| start.checked_add(size)) else {
            return ptr::null_mut();
        };
        if end <= self.end {
            self.next = end;
            return (end - size) as *mut u8;
        }
        let pages = (end - self.end).div_ceil(PAGE);
        let previous = wasm32::memory_grow(0, pages);
        if previous == usize::MAX {
            return ptr::null_mut();
        }
        if previous * PAGE != self.end {
            // The first growth (or memory grown by someone else): the heap starts over at the new pages.
            self.next = previous * PAGE;
        }
        self.end = (previous + pages) * PAGE;
        self.carve(size)
    }
}
