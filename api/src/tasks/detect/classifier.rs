//! placeholder
pub struct Classifier;
