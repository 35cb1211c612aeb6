//! The module's exports: buffers in its memory, and one call that draws.
//!
//! JavaScript can only hand bytes to WebAssembly through the module's memory, as a pointer
//! and a length: it asks for a buffer (`svcgraph_alloc`), writes the UTF-8 text into it, calls
//! `svcgraph_render_svg` with the pointers and frees what it allocated (`svcgraph_free`). The
//! answer is a buffer of the module's: a little-endian `u32` status (0: the SVG, 1: a JSON
//! error `{"error": "..."}`), a `u32` length, then that many bytes; the caller copies it out
//! and frees it with `svcgraph_free(ptr, 8 + length)`.
//!
//! The names carry a `svcgraph_` prefix so that a native build of the crate (which the
//! workspace builds and tests) exports nothing that clashes with the C library's.

// Turning a pointer and a length from JavaScript into a slice, and a buffer handed out by
// `svcgraph_alloc` back into a `Box`, cannot be done in safe Rust. This module is the only
// place in the workspace with unsafe code; everything it calls is safe.
#![allow(unsafe_code)]

/// Status of an answer holding the SVG.
pub const OK: u32 = 0;
/// Status of an answer holding a JSON error.
pub const ERROR: u32 = 1;

/// A zeroed buffer of `len` bytes in the module's memory, for the caller to fill and pass
/// to [`svcgraph_render_svg`]; give it back with [`svcgraph_free`] and the same length.
#[unsafe(no_mangle)]
pub extern "C" fn svcgraph_alloc(len: usize) -> *mut u8 {
    Box::into_raw(vec![0u8; len].into_boxed_slice()).cast::<u8>()
}

/// Gives back a buffer of [`svcgraph_alloc`] or an answer of [`svcgraph_render_svg`].
///
/// # Safety
///
/// `ptr` and `len` must be what `svcgraph_alloc(len)` returned, or an answer and its whole
/// length (8 + the length in its header), not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svcgraph_free(ptr: *mut u8, len: usize) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: by the contract above, `ptr` came from `Box::<[u8]>::into_raw` with `len`
    // bytes and is given back once.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
}

/// Draws the graph document at `doc_ptr` (`doc_len` bytes of UTF-8) with the options at
/// `options_ptr` (JSON; empty for the defaults) and returns the answer described in the
/// [module documentation](self). Never traps on bad input: every problem is an error answer.
///
/// # Safety
///
/// Each pointer must point to as many readable bytes as its length says (a buffer of
/// [`svcgraph_alloc`]), or the length must be 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svcgraph_render_svg(
    doc_ptr: *const u8,
    doc_len: usize,
    options_ptr: *const u8,
    options_len: usize,
) -> *mut u8 {
    // SAFETY: the caller vouches for both (pointer, length) pairs.
    let (document, options) = unsafe { (bytes(doc_ptr, doc_len), bytes(options_ptr, options_len)) };
    let result = match (std::str::from_utf8(document), std::str::from_utf8(options)) {
        (Ok(document), Ok(options)) => crate::render_svg(document, options),
        (Err(e), _) => Err(format!("the graph document is not UTF-8: {e}")),
        (_, Err(e)) => Err(format!("the options are not UTF-8: {e}")),
    };
    let (status, text) = match result {
        Ok(svg) => (OK, svg),
        Err(message) => (ERROR, serde_json::json!({ "error": message }).to_string()),
    };
    answer(status, text.as_bytes())
}

/// The bytes at `ptr`; none when `len` is 0 (the pointer may then be anything).
///
/// # Safety
///
/// When `len` is not 0, `ptr` must point to `len` readable bytes that outlive the slice.
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        return &[];
    }
    // SAFETY: by this function's contract.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// The answer's buffer: status, length, text.
fn answer(status: u32, text: &[u8]) -> *mut u8 {
    // Always fits on wasm32, whose memory is at most 4 GiB.
    let Ok(len) = u32::try_from(text.len()) else {
        return answer(ERROR, br#"{"error":"the drawing is larger than 4 GiB"}"#);
    };
    let mut out = Vec::with_capacity(8 + text.len());
    out.extend_from_slice(&status.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(text);
    Box::into_raw(out.into_boxed_slice()).cast::<u8>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls the exports the way the page does, and reads the answer.
    fn call(document: &[u8], options: &[u8]) -> (u32, String) {
        let put = |bytes: &[u8]| {
            let ptr = svcgraph_alloc(bytes.len());
            // SAFETY: `ptr` holds `bytes.len()` bytes.
            unsafe { std::slice::from_raw_parts_mut(ptr, bytes.len()) }.copy_from_slice(bytes);
            ptr
        };
        let (doc, opts) = (put(document), put(options));
        // SAFETY: both buffers come from svcgraph_alloc with these lengths.
        let answer = unsafe { svcgraph_render_svg(doc, document.len(), opts, options.len()) };
        // SAFETY: an answer starts with an 8-byte header, then the text it announces.
        let (status, text) = unsafe {
            let header = std::slice::from_raw_parts(answer, 8);
            let status = u32::from_le_bytes(header[..4].try_into().unwrap());
            let len = u32::from_le_bytes(header[4..].try_into().unwrap()) as usize;
            let text = std::slice::from_raw_parts(answer.add(8), len).to_vec();
            svcgraph_free(answer, 8 + len);
            (status, String::from_utf8(text).unwrap())
        };
        // SAFETY: given back once, with the lengths they were allocated with.
        unsafe {
            svcgraph_free(doc, document.len());
            svcgraph_free(opts, options.len());
        }
        (status, text)
    }

    const DOC: &[u8] = br#"{"format":"svcgraph-graph","version":1,
        "nodes":[{"id":"a","name":"a","kind":"service"},{"id":"b","name":"b","kind":"service"}],
        "edges":[{"source":"a","target":"b","requests_per_second":1}]}"#;

    #[test]
    fn an_answer_carries_the_svg() {
        let (status, svg) = call(DOC, b"{}");
        assert_eq!(status, OK);
        assert_eq!(
            svg,
            crate::render_svg(std::str::from_utf8(DOC).unwrap(), "").unwrap()
        );
        // Empty options are the defaults.
        assert_eq!(call(DOC, b""), (OK, svg));
    }

    #[test]
    fn errors_are_json_answers() {
        for (document, options, expected) in [
            (&b"{"[..], &b"{}"[..], "not valid JSON"),
            (b"\xff", b"{}", "the graph document is not UTF-8"),
            (DOC, b"\xfe", "the options are not UTF-8"),
            (DOC, br#"{"focus":"c"}"#, "no node is named `c`"),
        ] {
            let (status, text) = call(document, options);
            assert_eq!(status, ERROR, "{text}");
            let error: serde_json::Value = serde_json::from_str(&text).unwrap();
            let message = error["error"].as_str().unwrap();
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn empty_buffers_can_be_allocated_and_freed() {
        let ptr = svcgraph_alloc(0);
        assert!(!ptr.is_null());
        // SAFETY: what svcgraph_alloc(0) returned; null is ignored.
        unsafe {
            svcgraph_free(ptr, 0);
            svcgraph_free(std::ptr::null_mut(), 3);
        }
    }
}
