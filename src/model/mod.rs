//! The domain, and nothing else: the advisory and its levels and indicators, countries, their
//! regions of the world and the world map's geometry, the pure comparison of two versions, what
//! may name a source, profiles and level scales, schedules. The bottom of the stack: it imports
//! nothing of this crate, does no IO and reads no clock.

pub mod advisory;
pub mod country;
pub mod diff;
pub mod geography;
pub mod government;
pub mod name;
pub mod note;
pub mod period;
pub mod profile;
pub mod region;
pub mod scale;
pub mod schedule;
pub mod world;
