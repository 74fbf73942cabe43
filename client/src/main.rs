//! The `ekscli` binary: parse, run, map the status to the exit code. Everything else is in the
//! library ([`ekscli::run`]), which never exits the process.

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    runtime
        .block_on(ekscli::run(std::env::args_os(), &mut stdout, &mut stderr))
        .into()
}
