//! SSM wire shapes (awsJson1.1, PascalCase members): request bodies in, `Parameter` documents out.

use serde::{Deserialize, Serialize};

use super::model::Parameter;

/// `GetParameter` input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParameterInput {
    pub name: Option<String>,
    /// Accepted and ignored: public parameters are plain `String`s.
    #[allow(dead_code)]
    pub with_decryption: Option<bool>,
}

/// `GetParameters` input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParametersInput {
    pub names: Option<Vec<String>>,
    #[allow(dead_code)]
    pub with_decryption: Option<bool>,
}

/// A `Parameter` structure.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterDto {
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub value: String,
    pub version: i64,
    /// Epoch seconds (awsJson timestamps are numbers).
    pub last_modified_date: f64,
    #[serde(rename = "ARN")]
    pub arn: String,
    pub data_type: &'static str,
}

impl From<Parameter> for ParameterDto {
    fn from(p: Parameter) -> Self {
        #[allow(clippy::cast_precision_loss)]
        let last_modified_date = p.last_modified as f64;
        Self {
            name: p.name,
            kind: p.kind,
            value: p.value,
            version: p.version,
            last_modified_date,
            arn: p.arn,
            data_type: p.data_type,
        }
    }
}

/// `GetParameter` output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParameterOutput {
    pub parameter: ParameterDto,
}

/// `GetParameters` output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParametersOutput {
    pub parameters: Vec<ParameterDto>,
    pub invalid_parameters: Vec<String>,
}
