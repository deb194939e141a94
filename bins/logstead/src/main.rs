use clap::Parser;
use logstead::cli::{Cli, Command, KeysCommand, SecretsCommand, UsersCommand};
use logstead::commands::{self, NewUserArgs};
use logstead::config::Config;

// Ingest allocates and frees many small strings on several threads; glibc's per-thread
// arenas keep freed memory and fragment (peak RSS was 2.9 GB for 1 M rows).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LOGSTEAD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("logstead: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new().block_on(commands::serve(config)),
        Command::Migrate => commands::migrate(&config),
        Command::Secrets(SecretsCommand::RotateKey) => commands::rotate_secrets_key(&config),
        Command::Version => {
            println!("logstead {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Keys(KeysCommand::Create { email, scopes, label }) => {
            commands::create_key(&config, &email, scopes, label)
        }
        Command::Users(UsersCommand::Create {
            email,
            password,
            first_name,
            last_name,
            organization,
            level,
        }) => commands::create_user(
            &config,
            NewUserArgs { email, password, first_name, last_name, organization, level },
        ),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logstead: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
