//! eks-scenarios: the seed page's walkthroughs as data (`scenarios/*.yaml`), played against the
//! embedded emulator, a running one, or real AWS.
//!
//! - `schema`: the file format, strictly decoded and validated (raw → validated).
//! - `run`: playing files (the transcript, expectations, cleanup) and the run's summary.
//! - `session`: one scenario on one target (environment, clock, observing conditions).
//! - `expect`, `snapshot`: matching outputs; `ledger`: what a scenario created, to delete it.
//! - `probe`: what the target offers, so scenarios needing more are skipped with the reason.
//! - `aws_target`: the credential check and the plan and cost shown before touching real AWS.
//! - `duration`, `http`: small helpers.
//!
//! The binary (`eks-scenarios run [PATH]… [--target …] [--yes]`) is `main.rs`; tests call [`run::play`]
//! per file.

pub mod aws_target;
pub mod duration;
pub mod expect;
pub mod http;
pub mod ledger;
pub mod probe;
pub mod run;
pub mod schema;
pub mod session;
pub mod snapshot;

pub use probe::Capabilities;
pub use run::{load_all, play, run, Options, Report, Summary, Verdict};
pub use schema::Scenario;
pub use session::TargetSpec;
