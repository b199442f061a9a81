//! Hand-written canonical-ABI bindings to the imports of `rusm:guest/handlers` (wit/), for the
//! `wasm32-unknown-unknown` target: no bindings generator is available offline.
//!
//! Conventions (the component model's canonical ABI, as wit-bindgen lowers it):
//! - imports use the classic core names: module = interface with its version, field = function,
//!   with `[constructor]` / `[method]` / `[static]` / `[resource-drop]` prefixes;
//! - a string or list is `(ptr, len)`; a result bigger than one value comes back through a
//!   return area pointer passed last (a variant's tag in its first byte, the payload at the
//!   payload's alignment);
//! - what the host passes in (strings, lists) it allocates with `cabi_realloc` (below).
//!
//! Handles are plain `i32`s here; the safe types in `http`, `sse` and `broker` own them.
pub mod http;
pub mod outbound;
pub mod rusm;

use std::alloc::{alloc, realloc, Layout};

/// A return area, 8-aligned, big enough for every result used (result<_, error-code> is the
/// largest: 40 bytes).
#[repr(C, align(8))]
pub struct RetArea([u8; 48]);

impl RetArea {
    pub fn new() -> Self {
        RetArea([0; 48])
    }
    pub fn ptr(&mut self) -> *mut u8 {
        self.0.as_mut_ptr()
    }
    pub fn u8(&self, at: usize) -> u8 {
        self.0[at]
    }
    pub fn i32(&self, at: usize) -> i32 {
        i32::from_le_bytes([self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3]])
    }
    /// A `string` at `at` (ptr, len), copied out.
    pub fn string(&self, at: usize) -> String {
        // SAFETY: the host wrote a valid (ptr, len) pair of UTF-8 it allocated with
        // cabi_realloc; the allocation is left to the instance, which lives for one request.
        unsafe { string_at(self.i32(at), self.i32(at + 4)) }
    }
}

/// Copies `len` bytes at `ptr` out as a String (the host only passes UTF-8 as `string`).
///
/// # Safety
/// `ptr..ptr+len` must be readable.
pub unsafe fn string_at(ptr: i32, len: i32) -> String {
    String::from_utf8_lossy(bytes_at(ptr, len)).into_owned()
}

/// # Safety
/// `ptr..ptr+len` must be readable and live for as long as the slice is used.
pub unsafe fn bytes_at<'a>(ptr: i32, len: i32) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    std::slice::from_raw_parts(ptr as usize as *const u8, len as usize)
}

/// The canonical ABI's allocator export: the host calls it to pass strings and lists in.
///
/// # Safety
/// Called by the host only, as the canonical ABI says (`old` from an earlier call or null).
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(
    old: *mut u8,
    old_size: usize,
    align: usize,
    new_size: usize,
) -> *mut u8 {
    if new_size == 0 {
        return align as *mut u8;
    }
    let layout = Layout::from_size_align_unchecked(new_size, align);
    let ptr = if old.is_null() || old_size == 0 {
        alloc(layout)
    } else {
        realloc(
            old,
            Layout::from_size_align_unchecked(old_size, align),
            new_size,
        )
    };
    if ptr.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    ptr
}
