//! SSM handlers: JSON body in, model call, JSON out. API reference:
//! <https://docs.aws.amazon.com/systems-manager/latest/APIReference/>.

use serde::de::DeserializeOwned;

use super::dto::{GetParameterInput, GetParameterOutput, GetParametersInput, GetParametersOutput};
use super::error::SsmError;
use super::model;
use crate::wire::RequestContext;

/// The most names one `GetParameters` takes.
pub const MAX_NAMES: usize = 10;

fn input<T: DeserializeOwned>(body: &[u8]) -> Result<T, SsmError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| SsmError::Serialization(e.to_string()))
}

/// [GetParameter](https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html)
pub fn get_parameter(ctx: &RequestContext, body: &[u8]) -> Result<GetParameterOutput, SsmError> {
    let req: GetParameterInput = input(body)?;
    let name = req.name.ok_or(SsmError::Missing { member: "name" })?;
    let parameter =
        model::public_parameter(&ctx.region, &name).ok_or(SsmError::ParameterNotFound)?;
    Ok(GetParameterOutput {
        parameter: parameter.into(),
    })
}

/// [GetParameters](https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html)
pub fn get_parameters(ctx: &RequestContext, body: &[u8]) -> Result<GetParametersOutput, SsmError> {
    let req: GetParametersInput = input(body)?;
    let names = req.names.ok_or(SsmError::Missing { member: "names" })?;
    if names.len() > MAX_NAMES {
        return Err(SsmError::TooManyNames(names));
    }
    let (found, invalid) = model::get_parameters(&ctx.region, &names);
    Ok(GetParametersOutput {
        parameters: found.into_iter().map(Into::into).collect(),
        invalid_parameters: invalid,
    })
}
