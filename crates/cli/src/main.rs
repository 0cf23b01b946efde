//! `tracelens`: the analysis core on the command line, so a CI pipeline sees
//! the same numbers as the team's meeting in the browser.
//!
//! Exit codes: 0 when every file loaded, 2 when a file (of the traces or of
//! the `--baseline`) could not be read at all (one line per such file on
//! stderr), 1 for any other failure.

mod hostile;
mod meeting;
mod render;
mod serve;
mod terminal;

use anyhow::{Context, Result};
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tracelens_core::TraceSet;
use tracelens_core::analysis::Analysis;
use tracelens_core::analysis::detectors;
use tracelens_core::import::Format;
use tracelens_core::import::{ImportError, import_file};
use tracelens_core::index::TraceIndex;
use tracelens_core::synth::{self, capture_like, jaeger_json, otlp_json, peer, shop};

#[derive(Parser)]
#[command(
    name = "tracelens",
    version,
    about = "Reads trace exports and tells what is slow and what fails."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read trace exports (OTLP JSON, Jaeger JSON) and print what was loaded and per-operation latency.
    Analyze {
        /// Files or directories to read (directories are read recursively); `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output: a readable summary, or JSON for scripts.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Traces of an earlier period (files or directories, after FILES) to compare with:
        /// reports p50/p95 regressions and improvements per endpoint and operation.
        #[arg(long, num_args = 1.., value_name = "FILES")]
        baseline: Vec<PathBuf>,
        /// List every finding in the text output (by default the five most costly, then a count).
        #[arg(long)]
        all_findings: bool,
        /// Detector thresholds and severity rules from a TOML file: a section per
        /// detector (`[n_plus_one]`, `[severity]`, …); what it leaves out keeps its
        /// default. `--print-config` shows every setting.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Write the feedback-meeting report of FILES (against a baseline) to a file.
    Report {
        /// Files or directories to read (directories are read recursively); `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The earlier period (after FILES): trace files or directories, or one
        /// previous report JSON (which also carries its findings' notes and owners).
        #[arg(long, num_args = 1.., value_name = "FILES|REPORT.json")]
        baseline: Vec<PathBuf>,
        /// Where to write; the format comes from the extension: .json (the model, to open again
        /// or use as the next baseline), .md (a wiki page or PR comment), .html (one self-contained page).
        #[arg(long, required = true)]
        out: PathBuf,
        /// The report's title (default: one naming the periods).
        #[arg(long)]
        title: Option<String>,
        /// Names of the two periods, e.g. `"Sprint 12,Sprint 11"` (default: their dates).
        #[arg(long, value_name = "CURRENT,BASELINE", value_parser = meeting::period_names)]
        period_names: Option<(String, String)>,
        /// Detector thresholds and severity rules from a TOML file (as for `analyze`).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Judge FILES for a CI job: exit 1 on a significant regression or a new finding, one line per reason.
    Check {
        /// Files or directories to read (directories are read recursively); `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The earlier period (after FILES): trace files or directories, or one previous report JSON.
        #[arg(long, num_args = 1.., value_name = "FILES|REPORT.json")]
        baseline: Vec<PathBuf>,
        /// Fail on findings of this severity or above that are new against the
        /// baseline (by fingerprint; without a baseline, every finding).
        #[arg(long, value_enum, default_value_t = FailOn::Critical)]
        fail_on: FailOn,
        /// Fail only on regressions whose p50 or p95 rose by more than PCT percent
        /// (default: any regression the rank test flags).
        #[arg(long, value_name = "PCT")]
        max_regression: Option<f64>,
        /// Detector thresholds and severity rules from a TOML file (as for `analyze`).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Print the default detector configuration as TOML, to start a `--config` file from.
    PrintConfig,
    /// Serve a built site (dist/ or an unpacked release archive) on this machine, until Ctrl-C.
    Serve {
        /// The folder to serve; nothing outside it is ever sent.
        dir: PathBuf,
        /// The port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// The address to listen on. Any but a loopback address (127.0.0.1, ::1)
        /// makes the site reachable from the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// How long a connection may take to send its request head, in ms.
        /// Hidden: for tests, which cannot wait the default 10 s.
        #[arg(long, hide = true, value_parser = clap::value_parser!(u64).range(1..), default_value_t = serve::HEAD_TIMEOUT.as_millis().try_into().unwrap_or(u64::MAX))]
        head_timeout_ms: u64,
    },
    /// Write a synthetic trace set (an online shop) in any supported format.
    Generate {
        /// What to generate.
        #[arg(long, value_enum, default_value_t = Scenario::Shop)]
        scenario: Scenario,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GenerateFormat::OtlpJson)]
        format: GenerateFormat,
        /// Number of traces.
        #[arg(long, default_value_t = shop::ShopConfig::default().traces)]
        traces: usize,
        /// Spans in each trace. Only for `--scenario peer` (default 50).
        #[arg(long, value_name = "M")]
        spans_per_trace: Option<usize>,
        /// Random seed; the same seed gives the same file. Default: the scenario's own
        /// (7 for the shop, 10 for capture-like, 11 for peer).
        #[arg(long)]
        seed: Option<u64>,
        /// OTLP JSON on one line instead of pretty-printed.
        #[arg(long)]
        compact: bool,
        /// Patterns to plant for the detectors to find, comma-separated, or `all`, or
        /// `none` for a healthy shop. Default: every pattern but the data-quality ones.
        /// Only for `--scenario shop`.
        #[arg(long, value_delimiter = ',', value_parser = pattern_values())]
        patterns: Option<Vec<String>>,
        /// Where to write; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write one hostile or broken file, for tests: a gzip bomb, JSON nested 100,000 deep,
    /// a trace a million spans deep, UTF-16, a PNG named .json, ...
    GenerateHostile(hostile::HostileArgs),
}

/// The scenarios `generate` writes.
#[derive(Clone, Copy, ValueEnum)]
enum Scenario {
    /// The online shop, with the patterns `--patterns` plants (the shipped example).
    Shop,
    /// The shop as real systems record it: behind an Envoy-like proxy, with retries,
    /// fire-and-forget sends without an end, streams and a cart storage outage.
    CaptureLike,
    /// The race against Jaeger UI (issue 11): 20 services, 8 tags and 1-2 logs per span,
    /// about 1 KB per span in Jaeger JSON; `--spans-per-trace` sets the size of each trace.
    Peer,
}

#[derive(Clone, Copy, ValueEnum)]
enum GenerateFormat {
    /// OTLP/JSON, pretty-printed (the shipped example).
    OtlpJson,
    /// OTLP JSON Lines, a batch of traces per line (Collector file exporter).
    OtlpJsonl,
    /// One OTLP protobuf TracesData message.
    OtlpProtobuf,
    /// Jaeger UI's JSON download.
    Jaeger,
    /// Zipkin v2 JSON.
    Zipkin,
}

/// The values `--patterns` takes: `all`, `none` and each pattern's name, with
/// the core's own descriptions (a new pattern needs no change here).
fn pattern_values() -> PossibleValuesParser {
    let mut values = vec![
        PossibleValue::new("all").help("Every pattern"),
        PossibleValue::new("none").help("No pattern: a healthy shop"),
    ];
    values.extend(
        shop::Pattern::ALL
            .iter()
            .map(|p| PossibleValue::new(p.name()).help(p.description())),
    );
    PossibleValuesParser::new(values)
}

/// The planted set `--patterns` names.
fn planted(names: &[String]) -> shop::Patterns {
    if names.iter().any(|name| name == "all") {
        return shop::Patterns::all();
    }
    let named: Vec<shop::Pattern> = shop::Pattern::ALL
        .into_iter()
        .filter(|p| names.iter().any(|name| name == p.name()))
        .collect();
    shop::Patterns::of(&named)
}

/// The least severity `check` fails on.
#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    /// Warnings and critical findings.
    Warning,
    /// Critical findings only.
    Critical,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

/// Findings the text output lists in full before "and N more".
const FINDINGS_SHOWN: usize = 5;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        // `tracelens analyze … | head`: the reader has all it wants; not an error.
        Err(error) if is_closed_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tracelens: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// Whether `error` comes from writing to a pipe whose reader has gone.
fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Analyze {
            files,
            format,
            baseline,
            all_findings,
            config,
        } => {
            let text = render::TextOptions {
                width: terminal::width(),
                findings_shown: (!all_findings).then_some(FINDINGS_SHOWN),
            };
            let config = match config {
                Some(path) => read_config(&path)?,
                None => detectors::Config::default(),
            };
            analyze(&files, &baseline, format, text, &config)
        }
        Command::Report {
            files,
            baseline,
            out,
            title,
            period_names,
            config,
        } => meeting::write_report(meeting::ReportArgs {
            files: &files,
            baseline: &baseline,
            out: &out,
            title,
            period_names,
            options: options(config.as_deref())?,
        }),
        Command::Check {
            files,
            baseline,
            fail_on,
            max_regression,
            config,
        } => {
            // Bad usage is exit 2 for `check`, as for clap's own usage errors.
            let options = match options(config.as_deref()) {
                Ok(options) => options,
                Err(error) => {
                    eprintln!("tracelens: {error:#}");
                    return Ok(ExitCode::from(2));
                }
            };
            Ok(meeting::check(meeting::CheckArgs {
                files: &files,
                baseline: &baseline,
                fail_on: match fail_on {
                    FailOn::Warning => detectors::Severity::Warning,
                    FailOn::Critical => detectors::Severity::Critical,
                },
                max_regression,
                options,
            }))
        }
        Command::PrintConfig => {
            let text = toml::to_string(&detectors::Config::default()).context("writing the configuration")?;
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            dir,
            port,
            bind,
            head_timeout_ms,
        } => {
            serve::run(&serve::Options {
                dir,
                port,
                bind,
                head_timeout: std::time::Duration::from_millis(head_timeout_ms),
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            scenario,
            format,
            traces,
            spans_per_trace,
            seed,
            compact,
            patterns,
            out,
        } => {
            if spans_per_trace.is_some() && !matches!(scenario, Scenario::Peer) {
                anyhow::bail!("--spans-per-trace sizes the peer scenario's traces; the other scenarios size their own");
            }
            if patterns.is_some() && !matches!(scenario, Scenario::Shop) {
                anyhow::bail!("--patterns plants patterns into the shop; the other scenarios have their own");
            }
            let (spans, events) = match scenario {
                Scenario::Shop => {
                    let defaults = shop::ShopConfig::default();
                    let config = shop::ShopConfig {
                        traces,
                        seed: seed.unwrap_or(defaults.seed),
                        patterns: patterns.map_or(defaults.patterns, |names| planted(&names)),
                        ..defaults
                    };
                    (shop::generate(&config), Vec::new())
                }
                Scenario::CaptureLike => {
                    let defaults = capture_like::Config::default();
                    let config = capture_like::Config {
                        traces,
                        seed: seed.unwrap_or(defaults.seed),
                        ..defaults
                    };
                    let generated = capture_like::generate(&config);
                    (generated.spans, generated.events)
                }
                Scenario::Peer => {
                    let defaults = peer::PeerConfig::default();
                    let config = peer::PeerConfig {
                        traces,
                        spans_per_trace: spans_per_trace.unwrap_or(50),
                        seed: seed.unwrap_or(defaults.seed),
                        ..defaults
                    };
                    if let GenerateFormat::Jaeger = format {
                        // The race's biggest input is 514 MB: written a trace at a time.
                        return write_peer_jaeger(&config, out.as_deref()).map(|()| ExitCode::SUCCESS);
                    }
                    peer::generate(&config)
                }
            };
            let bytes = match format {
                GenerateFormat::OtlpJson if compact => {
                    otlp_json::write_compact_with_events(&spans, &events).into_bytes()
                }
                GenerateFormat::OtlpJson => otlp_json::write_with_events(&spans, &events).into_bytes(),
                GenerateFormat::OtlpJsonl => synth::encode_with_events(&spans, &events, Format::OtlpJsonLines),
                GenerateFormat::OtlpProtobuf => synth::encode_with_events(&spans, &events, Format::OtlpProtobuf),
                GenerateFormat::Jaeger => synth::encode_with_events(&spans, &events, Format::JaegerJson),
                GenerateFormat::Zipkin => synth::encode_with_events(&spans, &events, Format::ZipkinJson),
            };
            match out {
                Some(path) => std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?,
                None => std::io::stdout().write_all(&bytes)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::GenerateHostile(args) => hostile::run(args).map(|()| ExitCode::SUCCESS),
    }
}

/// The peer scenario as Jaeger JSON, streamed to `out` (standard output when
/// absent) so no more than one trace is ever held in memory.
fn write_peer_jaeger(config: &peer::PeerConfig, out: Option<&Path>) -> Result<()> {
    let sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = jaeger_json::Writer::new(std::io::BufWriter::with_capacity(1 << 20, sink))?;
    for trace in peer::traces(config) {
        writer.traces(&trace.spans, &trace.events)?;
    }
    writer.finish()?.flush()?;
    Ok(())
}

fn analyze(
    paths: &[PathBuf],
    baseline_paths: &[PathBuf],
    format: OutputFormat,
    text: render::TextOptions,
    config: &detectors::Config,
) -> Result<ExitCode> {
    let (set, failures) = load(paths)?;
    let baseline = if baseline_paths.is_empty() {
        None
    } else {
        Some(load(baseline_paths)?)
    };
    let index = TraceIndex::build(&set);
    let analysis = Analysis::with_baseline(&set, &index, baseline.as_ref().map(|(b, _)| b), config);
    let mut out = std::io::stdout().lock();
    let baseline = baseline
        .as_ref()
        .map(|(set, failures)| render::Baseline { set, failures });

    match format {
        OutputFormat::Text => render::text(&mut out, &set, &analysis, &failures, baseline, text)?,
        OutputFormat::Json => render::json(&mut out, &set, &analysis, &failures, baseline, config)?,
    }
    for failure in &failures {
        eprintln!("tracelens: {failure}");
    }
    let baseline_failures = baseline.map_or(&[][..], |b| b.failures);
    for failure in baseline_failures {
        eprintln!("tracelens: baseline: {failure}");
    }
    Ok(if failures.is_empty() && baseline_failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// The detector configuration in the TOML file at `path`; a typo in a name is
/// an error that says where, not a setting silently ignored.
fn read_config(path: &Path) -> Result<detectors::Config> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not a valid configuration", path.display()))
}

/// Report options with the detector configuration of `path` (defaults without one).
fn options(path: Option<&Path>) -> Result<tracelens_core::report::Options> {
    Ok(tracelens_core::report::Options {
        config: path.map(read_config).transpose()?.unwrap_or_default(),
        ..Default::default()
    })
}

/// Reads every file under `paths` into one set; files that cannot be read are returned, not fatal.
fn load(paths: &[PathBuf]) -> Result<(TraceSet, Vec<ImportError>)> {
    let mut set = TraceSet::new();
    let mut failures = Vec::new();
    for path in expand(paths)? {
        let (name, bytes) = read_input(&path)?;
        if let Err(error) = import_file(&mut set, &name, &bytes) {
            failures.push(error);
        }
    }
    set.shrink_to_fit();
    Ok((set, failures))
}

/// Files in the order given; directories contribute their files, sorted, recursively.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("reading directory {}", path.display()))?
                .map(|entry| entry.map(|e| e.path()))
                .collect::<Result<_, _>>()?;
            entries.sort();
            files.extend(expand(&entries)?);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn read_input(path: &Path) -> Result<(String, Vec<u8>)> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        return Ok(("<stdin>".to_owned(), bytes));
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok((path.display().to_string(), bytes))
}
