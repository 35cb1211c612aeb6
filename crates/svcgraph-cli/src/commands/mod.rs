//! Subcommands that have grown a module of their own.

pub mod serve;
