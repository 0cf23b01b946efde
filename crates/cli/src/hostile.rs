//! `tracelens generate-hostile`: writes one of the core's hostile or broken
//! files (issue 13: a gzip bomb, nesting 100,000 deep, a trace a million
//! spans deep, UTF-16, a PNG named `.json`, ...), so tests in other
//! languages (the browser tests) make them on demand rather than keep them.

use super::GenerateFormat;
use anyhow::{Context, Result};
use clap::builder::{PossibleValue, PossibleValuesParser};
use std::io::Write;
use std::path::PathBuf;
use tracelens_core::import::Format;
use tracelens_core::synth::hostile::{Case, Scale};

/// What `generate-hostile` takes.
#[derive(clap::Args)]
pub struct HostileArgs {
    /// Which file to write.
    #[arg(value_parser = case_names())]
    case: String,
    /// The format, for a case written in several (default: its first;
    /// a format the case is not written in gives that first one).
    #[arg(long, value_enum)]
    format: Option<GenerateFormat>,
    /// About a hundredth of the sizes (still past every limit).
    #[arg(long)]
    small: bool,
    /// Where to write: a file, or a directory to write it into under the
    /// case's own name (printed); standard output when absent.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Every case's name, with what it is.
fn case_names() -> PossibleValuesParser {
    PossibleValuesParser::new(Case::ALL.map(|case| PossibleValue::new(case.name())))
}

/// Writes the file `args` names.
pub fn run(args: HostileArgs) -> Result<()> {
    let case = Case::named(&args.case).with_context(|| format!("no hostile case {}", args.case))?;
    let scale = if args.small { Scale::Small } else { Scale::Full };
    let file = match args.format {
        Some(format) => case.file_as(format_of(format), scale),
        None => case.file(scale),
    };
    match args.out {
        Some(dir) if dir.is_dir() => {
            let path = dir.join(&file.name);
            std::fs::write(&path, &file.bytes).with_context(|| format!("writing {}", path.display()))?;
            println!("{}", path.display());
        }
        Some(path) => std::fs::write(&path, &file.bytes).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().write_all(&file.bytes)?,
    }
    Ok(())
}

fn format_of(format: GenerateFormat) -> Format {
    match format {
        GenerateFormat::OtlpJson => Format::OtlpJson,
        GenerateFormat::OtlpJsonl => Format::OtlpJsonLines,
        GenerateFormat::OtlpProtobuf => Format::OtlpProtobuf,
        GenerateFormat::Jaeger => Format::JaegerJson,
        GenerateFormat::Zipkin => Format::ZipkinJson,
    }
}
