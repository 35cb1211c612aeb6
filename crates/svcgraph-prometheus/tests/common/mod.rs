//! Shared by the integration tests; each test binary uses a part of it.
#![allow(dead_code)]

pub mod data;
pub mod fake_server;
pub mod prometheus;
