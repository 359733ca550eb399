//! Analytics: daily rollups written at ingest (usage per agent and model, latency
//! histograms), and the reports read from them — costs by agent, model or day, a month-end
//! forecast, human task outcomes.

pub mod graphql;
pub mod rest;
pub mod rollup;
pub mod service;
