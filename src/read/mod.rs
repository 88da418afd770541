//! Reading documents: page or document text in, `Advisory` (or one per country) out. HTML with
//! CSS-selector profiles, the State Department's alert text and feed, FCDO's advice, JSON and
//! XML documents, Markdown and plain-text captures. Pure: no IO, no clock. May import `model`.

pub mod alert;
pub mod archive;
pub mod data_limits;
pub mod document;
pub mod extract;
pub mod fcdo;
pub mod feed;
pub mod json_profile;
pub mod ota;
pub mod page_limits;
pub mod page_region;
pub mod paragraphs;
pub mod xml_profile;
