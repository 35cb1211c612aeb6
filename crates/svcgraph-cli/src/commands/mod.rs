//! One module per subcommand; the graph they share comes from [`crate::pipeline`].

pub mod check;
pub mod doctor;
pub mod fetch;
pub mod man;
pub mod mcp;
pub mod query;
pub mod render;
pub mod serve;
