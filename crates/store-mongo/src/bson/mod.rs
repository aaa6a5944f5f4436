//! Pure builders and conversions: BSON documents made from domain values
//! without a server (each module's tests assert the BSON it produces).

pub(crate) mod convert;
pub(crate) mod fold;
#[cfg(test)]
mod fts_parity;
pub(crate) mod keyset;
pub(crate) mod keywords;
pub(crate) mod regex;
pub(crate) mod visibility;
