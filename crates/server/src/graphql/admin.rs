//! The maintenance switch as a GraphQL mutation, for credentials with the `admin` scope.

use async_graphql::{Context, Object, SimpleObject};
use playground_domain::Operation;

/// The maintenance switch as it now stands.
#[derive(SimpleObject)]
pub struct Maintenance {
    pub enabled: bool,
    /// Seconds clients are told to wait; 0 while off.
    pub retry_after: u64,
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Turn maintenance on (every other operation answers SERVICE_UNAVAILABLE with
    /// `extensions.retryAfter`) or off. `retryAfter`: 1 to 3600 seconds, default 30.
    async fn set_maintenance(
        &self,
        ctx: &Context<'_>,
        enabled: bool,
        #[graphql(desc = "Seconds clients are told to wait, 1 to 3600 (default 30).")] retry_after: Option<i64>,
    ) -> async_graphql::Result<Maintenance> {
        let state = super::call(ctx, Operation::SetMaintenance, |pg, _| pg.set_maintenance(enabled, retry_after))?;
        Ok(Maintenance { enabled: state.enabled, retry_after: state.retry_after })
    }
}
