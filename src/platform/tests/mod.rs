//! Unit tests of the request builders, the sandbox adapter and the error translation.

mod apple;
mod apple_v1;
mod creative;
mod fixtures;
mod meta;
mod sandbox;
mod tiktok;
mod translate;
