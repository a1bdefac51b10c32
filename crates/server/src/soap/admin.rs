//! `SetMaintenance`: the maintenance switch as a SOAP operation (`admin` scope).

use playground_domain::{DomainError, Operation};

use super::envelope::Element;
use super::xml::{close_response, element, open_response};
use super::{optional_number, required_text, Call};

/// An `xs:boolean`: `true`, `false`, `1` or `0`.
fn boolean(request: &Element, name: &str) -> Result<bool, DomainError> {
    match required_text(request, name)?.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(DomainError::invalid(name, format!("{name} must be true or false, got {other:?}"))),
    }
}

pub fn set_maintenance(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let enabled = boolean(request, "Enabled")?;
    let retry_after = optional_number(request, "RetryAfter")?;
    let state = call.run(Operation::SetMaintenance, |pg, _| pg.set_maintenance(enabled, retry_after))?;
    open_response(out, "SetMaintenance");
    element(out, "Enabled", if state.enabled { "true" } else { "false" });
    element(out, "RetryAfter", &state.retry_after.to_string());
    close_response(out, "SetMaintenance");
    Ok(())
}
