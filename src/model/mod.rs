//! The domain, and nothing else: the advisory and its levels and indicators, countries, the
//! pure comparison of two versions, profiles and level scales, schedules. The bottom of the
//! stack: it imports nothing of this crate, does no IO and reads no clock.

pub mod advisory;
pub mod country;
pub mod diff;
pub mod government;
pub mod note;
pub mod period;
pub mod profile;
pub mod region;
pub mod scale;
pub mod schedule;
