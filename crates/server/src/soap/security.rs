//! WS-Security in the SOAP Header: a `UsernameToken` (PasswordText, or PasswordDigest with a
//! nonce and a created time) or a `BinarySecurityToken` carrying a bearer token. They become the
//! same `Credentials` every protocol hands to the one verifier.

use base64::Engine;
use playground_domain::DomainError;

use super::envelope::Element;
use crate::credentials::{Credentials, PasswordCredential, PasswordProof};

pub const WSSE_NS: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const PASSWORD_DIGEST: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";

fn text<'a>(element: &'a Element, name: &str) -> Result<&'a str, DomainError> {
    element
        .child(name)
        .map(|child| child.text.as_ref())
        .ok_or_else(|| DomainError::invalid(name, format!("element {name} is missing from the {}", element.name())))
}

/// Adds what the `wsse:Security` header carries to credentials taken from HTTP headers.
/// HTTP-borne credentials win: they are what every other protocol reads too.
pub fn read(header: Option<&Element>, credentials: &mut Credentials) -> Result<(), DomainError> {
    let Some(security) = header.and_then(|header| {
        header.children.iter().find(|child| child.name() == "Security" && child.namespace() == Some(WSSE_NS))
    }) else {
        return Ok(());
    };
    if let Some(token) = security.child("UsernameToken") {
        let username = text(token, "Username")?.to_owned();
        let password = token
            .child("Password")
            .ok_or_else(|| DomainError::invalid("Password", "element Password is missing from the UsernameToken"))?;
        let proof = if password.attribute("Type").as_deref() == Some(PASSWORD_DIGEST) {
            let nonce = text(token, "Nonce")?;
            let nonce = base64::engine::general_purpose::STANDARD
                .decode(nonce.trim())
                .map_err(|_| DomainError::invalid("Nonce", "the Nonce is not base64"))?;
            PasswordProof::Digest {
                digest: password.text.clone().into_owned(),
                nonce,
                created: text(token, "Created")?.to_owned(),
            }
        } else {
            PasswordProof::Text(password.text.clone().into_owned())
        };
        if credentials.is_empty() {
            credentials.password = Some(PasswordCredential { username, proof });
        }
    } else if let Some(token) = security.child("BinarySecurityToken") {
        if credentials.is_empty() {
            credentials.bearer = Some(token.text.trim().to_owned());
        }
    }
    Ok(())
}
