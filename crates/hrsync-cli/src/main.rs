//! `hrsync`: see `hrsync --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = hrsync_cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hrsync: cannot start the runtime: {e}");
            return hrsync_cli::Exit::Internal.into();
        }
    };
    runtime.block_on(hrsync_cli::run(cli)).into()
}
