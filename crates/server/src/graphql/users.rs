//! The user part of the graph: `users`, `user(id)` and the user mutations.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, InputObject, Object, Result, SimpleObject, ID};
use playground_domain::{NewUser, Operation, PageRequest, UserPatch};

use super::orders::{Order, OrderStatus};
use super::{call, loaders, nullable, parse_id, PageInfo};

/// A person who places orders.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct User {
    pub id: ID,
    #[graphql(skip)]
    pub user_id: u64,
    pub name: String,
    pub email: String,
    /// RFC 3339.
    pub created_at: String,
}

impl From<playground_domain::User> for User {
    fn from(playground_domain::User { id, name, email, created_at }: playground_domain::User) -> Self {
        User { id: ID(id.to_string()), user_id: id, name, email, created_at: super::rfc3339(created_at) }
    }
}

#[ComplexObject]
impl User {
    /// The user's orders, optionally of one status, oldest first (listUserOrders).
    async fn orders(&self, ctx: &Context<'_>, status: Option<OrderStatus>) -> Result<Vec<Order>> {
        let key = (self.user_id, status.map(Into::into));
        let orders =
            loaders(ctx).orders().load_one(key).await.and_then(|orders| orders.unwrap_or_else(|| Ok(Arc::default())));
        let orders = orders.map_err(super::error::graphql_error)?;
        Ok(orders.iter().cloned().map(Order::from).collect())
    }
}

#[derive(SimpleObject)]
pub struct UserEdge {
    pub cursor: String,
    pub node: User,
}

/// A Relay connection over users.
#[derive(SimpleObject)]
pub struct UserConnection {
    pub edges: Vec<UserEdge>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    /// 1 to 200 characters once trimmed, none a control character.
    pub name: String,
    /// One `@` between a name and a domain with a dot; at most 200 characters; stored lower-case.
    pub email: String,
}

/// Only the fields given change.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// 1 to 200 characters once trimmed, none a control character.
    pub name: Option<String>,
    /// One `@` between a name and a domain with a dot; at most 200 characters.
    pub email: Option<String>,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// A page of users in id order (listUsers).
    #[graphql(complexity = "super::page_weight(first) * child_complexity")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> Result<UserConnection> {
        let page = call(ctx, Operation::ListUsers, |pg, caller| {
            let first = first.map(|n| u32::try_from(n).unwrap_or(0));
            Ok(pg.list_users(caller, PageRequest::parse(first, after.as_deref())?))
        })?;
        let edges: Vec<UserEdge> = page
            .items
            .into_iter()
            .map(|user| UserEdge { cursor: playground_domain::page::encode_cursor(user.id), node: user.into() })
            .collect();
        Ok(UserConnection {
            page_info: PageInfo::new(after.is_some(), edges.first().map(|e| e.cursor.clone()), page.next_cursor),
            total_count: i32::try_from(page.total).unwrap_or(i32::MAX),
            edges,
        })
    }

    /// One user, or null with a NOT_FOUND error (getUser).
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Option<User> {
        let user = call(ctx, Operation::GetUser, |pg, caller| pg.get_user(caller, parse_id(&id)?));
        nullable(ctx, user).map(Into::into)
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Create a user (createUser); CONFLICT when the email is taken.
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let user = call(ctx, Operation::CreateUser, |pg, caller| {
            pg.create_user(caller, NewUser::parse(&input.name, &input.email)?)
        })?;
        Ok(user.into())
    }

    /// Change a user's name or email (updateUser); fields left out stay as they are.
    async fn update_user(&self, ctx: &Context<'_>, id: ID, input: UpdateUserInput) -> Result<User> {
        let user = call(ctx, Operation::UpdateUser, |pg, caller| {
            pg.update_user(caller, parse_id(&id)?, UserPatch::parse(input.name.as_deref(), input.email.as_deref())?)
        })?;
        Ok(user.into())
    }

    /// Delete a user who has no orders (deleteUser): true once the user is gone.
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        call(ctx, Operation::DeleteUser, |pg, caller| pg.delete_user(caller, parse_id(&id)?))?;
        Ok(true)
    }
}
