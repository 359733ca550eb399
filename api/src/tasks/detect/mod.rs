//! Human-task detection: notices in an agent's message that a person is needed in the
//! physical world (a pickup, an inspection, a verification, attendance, another errand) and
//! reads what, where, for how much and by when. Fast rules decide on every message
//! ([`detect`]); an optional LLM [`Classifier`] may refine their answer, and falls back to it
//! on any failure. [`score_corpus`] measures the rules on a labelled corpus.

mod classifier;
mod corpus;
mod extract;
mod rules;

pub use classifier::Classifier;
pub use corpus::{CorpusScore, score_corpus};
pub use rules::{Detection, Location, detect};
