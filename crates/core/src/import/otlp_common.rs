//! What OTLP/JSON and OTLP protobuf share: the meaning of the enum values.

use crate::model::{SpanKind, StatusCode};
use std::borrow::Cow;
use std::fmt;

/// An enum written as its integer or as its protobuf name; kept raw so the
/// importer can reject one span for a bad value instead of failing the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) enum IntOrName<'a> {
    /// Not present.
    #[default]
    Absent,
    /// `2`
    Int(i64),
    /// `"SPAN_KIND_SERVER"`
    Name(Cow<'a, str>),
}

impl fmt::Display for IntOrName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrName::Absent => f.write_str("(absent)"),
            IntOrName::Int(v) => write!(f, "{v}"),
            IntOrName::Name(name) => write!(f, "\"{name}\""),
        }
    }
}

/// The span kind from an integer or a `SPAN_KIND_*` name; `None` if it is neither.
pub(super) fn span_kind(kind: &IntOrName<'_>) -> Option<SpanKind> {
    match kind {
        IntOrName::Absent => Some(SpanKind::Unspecified),
        IntOrName::Int(v) => SpanKind::from_otlp(*v),
        IntOrName::Name(name) => {
            let short = name.strip_prefix("SPAN_KIND_")?;
            SpanKind::from_name(short)
        }
    }
}

/// The status from an integer or a `STATUS_CODE_*` name; unknown values read as unset.
pub(super) fn status_code(code: &IntOrName<'_>) -> StatusCode {
    match code {
        IntOrName::Int(2) => StatusCode::Error,
        IntOrName::Int(1) => StatusCode::Ok,
        IntOrName::Name(name) if name == "STATUS_CODE_ERROR" => StatusCode::Error,
        IntOrName::Name(name) if name == "STATUS_CODE_OK" => StatusCode::Ok,
        _ => StatusCode::Unset,
    }
}
