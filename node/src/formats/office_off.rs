//! The office writers in a build without the `office` feature (the fuzz targets' build, which
//! leaves out the DOCX, ODT, PDF and XLSX crates to keep its cold build short): each refuses
//! with a clear error. Every `twin` binary is built with the feature.

use super::{BudgetTable, outline::Outline};
use crate::error::NodeError;

fn left_out() -> NodeError {
    NodeError::InvalidInput("this node was built without the office formats (feature `office`)".into())
}

pub(super) mod docx {
    use super::*;
    pub(crate) fn write(_: &Outline) -> Result<Vec<u8>, NodeError> {
        Err(left_out())
    }
}

pub(super) mod odt {
    use super::*;
    pub(crate) fn write(_: &Outline) -> Result<Vec<u8>, NodeError> {
        Err(left_out())
    }
}

pub(super) mod pdf {
    use super::*;
    pub(crate) fn write(_: &Outline) -> Result<Vec<u8>, NodeError> {
        Err(left_out())
    }
}

pub(super) mod xlsx {
    use super::*;
    pub(crate) fn write(_: &BudgetTable, _: &str, _: &str) -> Result<Vec<u8>, NodeError> {
        Err(left_out())
    }
}
