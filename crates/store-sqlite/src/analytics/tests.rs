//! The report statements read index ranges only: their query plans, and
//! the rows a year of a million interactions makes them visit.

mod plans;
mod scale;
