#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| svcgraph_fuzz::input(data));
