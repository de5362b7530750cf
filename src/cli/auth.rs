//! `postcal auth`: the token store's key, a first token, renewals, what
//! is stored (never a value), and git's merge driver for the store.

use std::time::Duration;

use comfy_table::{ContentArrangement, Table, presets};
use secrecy::{ExposeSecret, SecretString};

use super::{CliError, Env, Outcome};
use crate::adapters::meta_token::App;
use crate::auth::{self, Login, RenewalOutcome, Source};
use crate::publish::lock;
use crate::tokens::{self, Key, StoreError};

#[derive(Debug, clap::Args)]
pub struct AuthArgs {
    #[command(subcommand)]
    pub command: AuthCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum AuthCommand {
    /// Make a new key for the token store and print it (keep it as the
    /// POSTCAL_STORE_KEY secret; it is shown once).
    Key,
    /// Get a first token for CHANNEL (whose credential is `store:NAME`)
    /// and keep it in the token store.
    Login(LoginArgs),
    /// Renew the stored tokens that run out within 7 days.
    Refresh(RefreshArgs),
    /// List the stored tokens with when they run out (never a value).
    Status(StatusArgs),
    /// Git's merge driver for .postcal/tokens.age: keeps the newer of two
    /// renewals (`git config merge.postcal-tokens.driver "postcal auth merge %O %A %B"`).
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// The channel, as named in postcal.yaml.
    pub channel: String,
    /// Read a code (or the redirect address) from standard input instead of
    /// listening for the redirect.
    #[arg(long)]
    pub paste: bool,
    /// With --paste: what is pasted is a token, not a code (short-lived and
    /// exchanged when --app-secret is given, else kept as the long-lived one).
    #[arg(long, requires = "paste")]
    pub token: bool,
    /// With --paste --token and no app secret: how long the pasted token
    /// has left (default 60d, a fresh long-lived Meta token).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "token")]
    pub lifetime: Option<Duration>,
    /// The Meta app's id (Threads: the Threads app id).
    #[arg(long, value_name = "ID")]
    pub app_id: Option<String>,
    /// The app secret, as a reference: `env:NAME` or `file:PATH`.
    #[arg(long, value_name = "REF")]
    pub app_secret: Option<String>,
    /// Where the platform sends the browser back, as registered for the
    /// app; the browser flow listens on it (http://127.0.0.1:PORT/…).
    #[arg(
        long,
        value_name = "URI",
        default_value = "http://127.0.0.1:8765/callback"
    )]
    pub redirect_uri: String,
    /// How long to wait for the redirect.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub wait: Duration,
    /// The sign-in page (default: the platform's).
    #[arg(long, value_name = "URL", hide = true)]
    pub authorize_url: Option<String>,
    /// Where codes are exchanged (default: the platform's).
    #[arg(long, value_name = "URL", hide = true)]
    pub token_url: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RefreshArgs {
    /// Only this channel.
    pub channel: Option<String>,
    /// Renew even what has more than 7 days left (not what is under a day old).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The common ancestor (%O).
    pub base: std::path::PathBuf,
    /// Ours (%A): the merge is written here.
    pub ours: std::path::PathBuf,
    /// Theirs (%B).
    pub theirs: std::path::PathBuf,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e}; write e.g. 5m or 60d"))
}

fn store_error(e: StoreError) -> CliError {
    CliError::Usage {
        message: e.to_string(),
        help: Some(e.help()),
    }
}

pub fn run(args: AuthArgs, env: &Env) -> Result<Outcome, CliError> {
    match args.command {
        AuthCommand::Key => key(env),
        AuthCommand::Login(a) => run_login(a, env),
        AuthCommand::Refresh(a) => refresh(a, env),
        AuthCommand::Status(a) => status(a, env),
        AuthCommand::Merge(a) => {
            let key = crate::secrets::store_key(env, &env.cwd).map_err(store_error)?;
            tokens::merge(&a.base, &a.ours, &a.theirs, &key).map_err(store_error)?;
            Ok(Outcome::Success)
        }
    }
}

fn key(env: &Env) -> Result<Outcome, CliError> {
    let (key, line) = Key::generate();
    env.printer.out(&format!("{}\n", line.expose_secret()))?;
    env.printer.note(&format!(
        "this is the token store's key (public half {}): keep it as the {} secret in CI and in a password manager; it is not stored anywhere",
        key.recipient(),
        tokens::KEY_VAR
    ));
    Ok(Outcome::Success)
}

fn run_login(a: LoginArgs, env: &Env) -> Result<Outcome, CliError> {
    let ws = env.load()?;
    super::known_channels(&ws, std::slice::from_ref(&a.channel))?;
    let channel = &ws.config.channels[a.channel.as_str()];
    let Some(&(_, name)) = auth::stored_credentials(channel).first() else {
        return Err(CliError::Usage {
            message: format!(
                "channel `{}` takes no credential from the token store",
                a.channel
            ),
            help: Some(format!(
                "write its token as `store:{}` in postcal.yaml first",
                a.channel
            )),
        });
    };
    let name = name.to_owned();
    // The key first: a sign-in whose token cannot be kept is wasted.
    let key = crate::secrets::store_key(env, &ws.root).map_err(store_error)?;
    let renewable = auth::renewable(channel);
    let app_secret = match &a.app_secret {
        Some(r) => Some(resolve_ref(r, &ws.root, env)?),
        None => None,
    };
    // A code for a Meta app is pasted after the sign-in address is shown.
    let prompt = a.paste && !a.token && renewable.is_some();
    let pasted = if a.paste && !prompt {
        Some(read_stdin()?)
    } else {
        None
    };
    let entry = match renewable {
        None => {
            // A token for a platform that does not renew: kept as given.
            let (Some(token), true) = (pasted, a.token) else {
                return Err(CliError::Usage {
                    message: format!(
                        "`{}` is a {} channel: postcal cannot sign in to it, only keep a token you have",
                        a.channel,
                        channel.platform().name()
                    ),
                    help: Some(format!(
                        "pipe the token in: `postcal auth login {} --paste --token < token.txt`",
                        a.channel
                    )),
                });
            };
            let mut entry = tokens::Entry::new(&token, env.now);
            entry.platform = Some(channel.platform().name().to_owned());
            entry.expires_at = a
                .lifetime
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .map(|d| env.now + d);
            entry
        }
        Some(r) => {
            let login = Login {
                app: r.app,
                api_base: r.api_base,
                app_id: a.app_id.as_deref(),
                app_secret: app_secret.as_ref(),
                authorize_url: a
                    .authorize_url
                    .clone()
                    .unwrap_or_else(|| r.app.authorize_url().to_owned()),
                code_url: a
                    .token_url
                    .clone()
                    .unwrap_or_else(|| r.app.code_url(r.api_base)),
                redirect_uri: a.redirect_uri.clone(),
                timeouts: crate::adapters::http::Timeouts::default(),
                now: env.now,
            };
            let source = match pasted {
                Some(token) if a.token => Source::Token {
                    token,
                    lifetime: a.lifetime.and_then(|d| chrono::Duration::from_std(d).ok()),
                },
                Some(code) => Source::Code(code),
                None if prompt => Source::Prompt(Box::new(|| read_stdin().ok())),
                None => Source::Browser {
                    redirect_uri: a.redirect_uri.clone(),
                    wait: a.wait,
                },
            };
            let announce = |link: &str, redirect: Option<&str>| {
                let then = match redirect {
                    Some(r) => format!("waiting for the redirect to {r} …"),
                    None => "then paste here the address the browser ends on, and press Enter:"
                        .to_owned(),
                };
                env.printer.err(&format!(
                    "Open this address in a browser, sign in to {} and allow postcal:\n\n  {link}\n\n{then}",
                    app_label(r.app)
                ));
            };
            auth::login(&login, source, &announce)
                .map_err(|e| CliError::Usage {
                    help: e.help(),
                    message: e.to_string(),
                })?
                .entry
        }
    };
    // The store is written only under the publish lock.
    let _held = lock::acquire(&ws.root, Duration::from_secs(30)).map_err(lock_error)?;
    let mut store = tokens::load_or_empty(&ws.root, &key).map_err(store_error)?;
    let until = entry.expires_at;
    let account = entry.account.clone();
    store.put(&name, entry);
    tokens::save(&store, &ws.root).map_err(store_error)?;
    if let Some(account) = account {
        env.printer.note(&format!(
            "signed in as account {account}: the channel's `user_id` must be this id"
        ));
    }
    env.printer.note(&format!(
        "stored `{name}` in {}{}: commit it with the ledger",
        tokens::STORE_PATH,
        until.map_or(String::new(), |u| format!(
            " (good until {}; renewed by `publish` and `postcal auth refresh` in its last 7 days)",
            u.format("%Y-%m-%d")
        ))
    ));
    Ok(Outcome::Success)
}

fn app_label(app: App) -> &'static str {
    match app {
        App::Threads => "Threads",
        App::Instagram => "Instagram",
    }
}

fn lock_error(e: lock::LockError) -> CliError {
    match e {
        lock::LockError::Busy { path } => CliError::Busy { path },
        other => CliError::Usage {
            message: other.to_string(),
            help: None,
        },
    }
}

fn resolve_ref(r: &str, root: &std::path::Path, env: &Env) -> Result<SecretString, CliError> {
    let reference = crate::calendar::channel::secret_ref(r)
        .filter(|r| !matches!(r, crate::calendar::SecretRef::Store(_)))
        .ok_or_else(|| CliError::Usage {
            message: "`--app-secret` takes a reference, not the secret".to_owned(),
            help: Some("write `--app-secret env:NAME` (or `file:PATH`)".to_owned()),
        })?;
    crate::secrets::resolve(&reference, root, env).map_err(|e| CliError::Usage {
        message: format!("--app-secret: {e}"),
        help: Some(e.help()),
    })
}

/// One line from standard input (a code, an address or a token).
fn read_stdin() -> Result<SecretString, CliError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let text = line.trim().to_owned();
    if text.is_empty() {
        return Err(CliError::Usage {
            message: "nothing was pasted on standard input".to_owned(),
            help: Some("paste the code or token and press Enter (or pipe it in)".to_owned()),
        });
    }
    Ok(SecretString::from(text))
}

fn refresh(a: RefreshArgs, env: &Env) -> Result<Outcome, CliError> {
    let ws = env.load()?;
    if let Some(c) = &a.channel {
        super::known_channels(&ws, std::slice::from_ref(c))?;
    }
    let channels: Vec<_> = ws
        .config
        .channels
        .values()
        .filter(|c| a.channel.as_ref().is_none_or(|n| n == &c.name))
        .filter_map(auth::renewable)
        .collect();
    if channels.is_empty() {
        env.printer
            .note("no channel keeps a renewable token in the store: nothing to renew");
        return Ok(Outcome::Success);
    }
    let _held = lock::acquire(&ws.root, Duration::from_secs(30)).map_err(lock_error)?;
    let renewals = auth::renew(
        &ws.root,
        &channels,
        env,
        crate::adapters::http::Timeouts::default(),
        env.now,
        a.force,
    )
    .map_err(store_error)?;
    Ok(say_renewals(&renewals, env, true))
}

/// Tell what renewals did; `Failure` when one failed.
pub fn say_renewals(renewals: &[auth::Renewal], env: &Env, chatty: bool) -> Outcome {
    let mut outcome = Outcome::Success;
    for r in renewals {
        match &r.outcome {
            RenewalOutcome::Renewed { until } => env.printer.note(&format!(
                "renewed `{}` ({}): good until {}",
                r.name,
                r.channel,
                until.format("%Y-%m-%d")
            )),
            RenewalOutcome::NotDue { until } if chatty => env.printer.note(&format!(
                "`{}` ({}): not due{}",
                r.name,
                r.channel,
                until.map_or(String::new(), |u| format!(
                    ", good until {}",
                    u.format("%Y-%m-%d")
                ))
            )),
            RenewalOutcome::NotDue { .. } => {}
            RenewalOutcome::TooYoung { until, from } if chatty => env.printer.note(&format!(
                "`{}` ({}): not renewed yet, it is under a day old (Meta renews a token once it is 24 hours old: from {}); good until {}",
                r.name,
                r.channel,
                from.format("%Y-%m-%d %H:%M UTC"),
                until.format("%Y-%m-%d")
            )),
            RenewalOutcome::TooYoung { .. } => {}
            RenewalOutcome::Failed { reason, until } => {
                outcome = Outcome::Failure;
                let still = match until {
                    Some(u) if *u > env.now => format!(
                        "the current token works until {}; the next run tries again",
                        u.format("%Y-%m-%d %H:%M UTC")
                    ),
                    _ => format!(
                        "sign in again: `postcal auth login {} --app-id ID --app-secret env:NAME`",
                        r.channel
                    ),
                };
                env.printer.error_line(
                    &format!(
                        "`{}` ({}) could not be renewed: {reason}",
                        r.name, r.channel
                    ),
                    Some(&still),
                );
            }
        }
    }
    outcome
}

fn status(a: StatusArgs, env: &Env) -> Result<Outcome, CliError> {
    let ws = env.load()?;
    let key = crate::secrets::store_key(env, &ws.root).map_err(store_error)?;
    let store = tokens::load_or_empty(&ws.root, &key).map_err(store_error)?;
    let channels: Vec<_> = ws.config.channels.values().collect();
    let rows = auth::status(&store, &channels, env.now);
    if a.format == StatusFormat::Json {
        let mut text = serde_json::to_string_pretty(&rows).unwrap_or_default();
        text.push('\n');
        env.printer.out(&text)?;
        return Ok(Outcome::Success);
    }
    if rows.is_empty() {
        env.printer.note(&format!(
            "{} holds no token yet: `postcal auth login CHANNEL` gets one",
            tokens::STORE_PATH
        ));
        return Ok(Outcome::Success);
    }
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["token", "platform", "channels", "obtained", "expires"]);
    for r in &rows {
        t.add_row([
            r.name.clone(),
            r.platform.clone().unwrap_or_default(),
            r.channels.join(", "),
            r.obtained_at.format("%Y-%m-%d").to_string(),
            match (r.expires_at, r.days_left) {
                (Some(at), Some(d)) if d < 0 => {
                    format!("{} (ran out {} days ago)", at.format("%Y-%m-%d"), -d)
                }
                (Some(at), Some(d)) => format!("{} (in {d} days)", at.format("%Y-%m-%d")),
                _ => "never".to_owned(),
            },
        ]);
    }
    env.printer.out(&format!("{t}\n"))?;
    Ok(Outcome::Success)
}
