//! Who is calling and what they may do. Every protocol turns its credentials into one `Caller`;
//! scopes decide which operations it may run, and the ownership rule decides whose orders a
//! user's token may touch. API keys are application identities: bound by their scopes only.

use std::fmt;

use crate::error::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    UsersRead,
    UsersWrite,
    OrdersRead,
    OrdersWrite,
    ProductsRead,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 6] =
        [Scope::UsersRead, Scope::UsersWrite, Scope::OrdersRead, Scope::OrdersWrite, Scope::ProductsRead, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
            Scope::OrdersRead => "orders:read",
            Scope::OrdersWrite => "orders:write",
            Scope::ProductsRead => "products:read",
            Scope::Admin => "admin",
        }
    }
    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == text)
    }
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of scopes, as small as a byte.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    pub const NONE: Scopes = Scopes(0);

    pub fn all() -> Scopes {
        Scope::ALL.into_iter().collect()
    }
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |scope| self.contains(*scope))
    }
    /// Parses scope names, refusing any the playground does not know.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Scopes, String> {
        names.into_iter().map(|name| Scope::parse(name).ok_or_else(|| format!("unknown scope {name:?}"))).collect()
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Scopes(iter.into_iter().fold(0, |bits, scope| bits | scope.bit()))
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(Scope::as_str)).finish()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Scope::as_str).collect();
        f.write_str(&names.join(" "))
    }
}

/// Whose credential it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No credential (only allowed with `--no-auth`).
    Anonymous,
    /// An application identified by an API key; the name is the key's label, never the secret.
    ApiKey { name: String },
    /// A person who logged in: their token may touch only their own orders unless it has `admin`.
    User { user_id: u64, username: String },
    /// An OAuth client acting for itself (client credentials).
    Client { client_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub identity: Identity,
    pub scopes: Scopes,
}

impl Caller {
    /// The caller of a server started with `--no-auth`: anonymous, yet allowed everything.
    pub fn open_access() -> Caller {
        Caller { identity: Identity::Anonymous, scopes: Scopes::all() }
    }

    pub fn require(&self, scope: Scope) -> Result<(), DomainError> {
        if self.scopes.contains(scope) || self.scopes.contains(Scope::Admin) {
            Ok(())
        } else {
            Err(DomainError::permission_denied(format!(
                "this operation needs the {} scope; the credential has [{}]",
                scope.as_str(),
                self.scopes
            )))
        }
    }

    /// The ownership rule: a user's token may read and change only that user's orders, unless admin.
    pub fn require_owner_of_orders(&self, owner_id: u64) -> Result<(), DomainError> {
        match &self.identity {
            Identity::User { user_id, .. } if *user_id != owner_id && !self.scopes.contains(Scope::Admin) => Err(
                DomainError::permission_denied(format!("user {user_id} may not touch the orders of user {owner_id}")),
            ),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn scopes_parse_and_gate() {
        let read = Scopes::parse(["users:read", "orders:read"]).expect("known scopes");
        assert!(Scopes::parse(["users:delete"]).is_err());
        let caller = Caller { identity: Identity::ApiKey { name: "k".into() }, scopes: read };
        assert!(caller.require(Scope::UsersRead).is_ok());
        assert_eq!(caller.require(Scope::UsersWrite).map_err(|e| e.code), Err(ErrorCode::PermissionDenied));
        assert_eq!(read.to_string(), "users:read orders:read");
    }

    #[test]
    fn a_user_owns_only_their_orders() {
        let alice = Caller {
            identity: Identity::User { user_id: 1, username: "alice".into() },
            scopes: Scopes::parse(["orders:read"]).expect("known"),
        };
        assert!(alice.require_owner_of_orders(1).is_ok());
        assert_eq!(alice.require_owner_of_orders(2).map_err(|e| e.code), Err(ErrorCode::PermissionDenied));
        let admin = Caller { scopes: Scopes::all(), ..alice };
        assert!(admin.require_owner_of_orders(2).is_ok());
    }
}
