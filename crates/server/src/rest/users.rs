//! `/api/v1/users`: the five user operations as resources and HTTP methods.

use playground_domain::{NewUser, Operation, PageRequest, UserPatch};
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;

use super::caching::{cached, if_match, Cached, PRIVATE};
use super::json::{next_page_url, JsonBody, Paged};
use super::paths::Path;
use super::{credentials, Answer, Deleted, UsersApi};

/// A person who places orders.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: u64,
    pub name: String,
    /// Unique, stored lower-case.
    pub email: String,
    #[serde(with = "playground_domain::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<playground_domain::User> for User {
    fn from(playground_domain::User { id, name, email, created_at }: playground_domain::User) -> Self {
        User { id, name, email, created_at }
    }
}

/// A page of users; pass `nextCursor` as `cursor` to get the next one.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    pub items: Vec<User>,
    /// Absent on the last page: `null`.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Object, serde::Deserialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    /// 1 to 200 characters, at least one of them not a space, none a control character.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    pub name: String,
    /// An address with one `@` and a domain with a dot; at most 200 characters, stored lower-case.
    #[oai(validator(
        max_length = 200,
        pattern = r"^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f.][^@\s\x00-\x1f\x7f-\x9f]*\.[^@\s\x00-\x1f\x7f-\x9f]*[^@\s\x00-\x1f\x7f-\x9f.]\s*$"
    ))]
    pub email: String,
}

/// Only the fields present change.
#[derive(Debug, Object, serde::Deserialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    /// 1 to 200 characters, at least one of them not a space, none a control character.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    ))]
    #[serde(default, deserialize_with = "super::json::present")]
    pub name: Option<String>,
    /// An address with one `@` and a domain with a dot; at most 200 characters.
    #[oai(validator(
        max_length = 200,
        pattern = r"^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f.][^@\s\x00-\x1f\x7f-\x9f]*\.[^@\s\x00-\x1f\x7f-\x9f]*[^@\s\x00-\x1f\x7f-\x9f.]\s*$"
    ))]
    #[serde(default, deserialize_with = "super::json::present")]
    pub email: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreatedUser {
    /// The new user; `Location` is its URL.
    #[oai(status = 201)]
    Created(JsonBody<User>, #[oai(header = "Location")] String),
}

#[OpenApi(prefix_path = "/api/v1/users", tag = "super::Tag::Users")]
impl UsersApi {
    /// List users (listUsers)
    #[oai(path = "/", method = "get")]
    async fn list_users(
        &self,
        request: &Request,

        /// Page size, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// The `nextCursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Answer<Paged<UserPage>> {
        let page = self.gate.call(&credentials(request), Operation::ListUsers, |pg, caller| {
            Ok(pg.list_users(caller, PageRequest::parse(limit.0, cursor.0.as_deref())?))
        })?;
        let next = next_page_url(request, page.next_cursor.as_deref());
        let page = UserPage { items: page.items.into_iter().map(User::from).collect(), next_cursor: page.next_cursor };
        Ok(Paged { page, next })
    }

    /// Get one user (getUser)
    #[oai(path = "/:id", method = "get")]
    async fn get_user(&self, request: &Request, id: Path<u64>) -> Answer<Cached<User>> {
        let user = self.gate.call(&credentials(request), Operation::GetUser, |pg, caller| pg.get_user(caller, id.0))?;
        Ok(cached(request, &User::from(user), PRIVATE))
    }

    /// Create a user (createUser)
    #[oai(path = "/", method = "post")]
    async fn create_user(&self, request: &Request, body: JsonBody<CreateUser>) -> Answer<CreatedUser> {
        let user = self.gate.call(&credentials(request), Operation::CreateUser, |pg, caller| {
            pg.create_user(caller, NewUser::parse(&body.0.name, &body.0.email)?)
        })?;
        let location = format!("/api/v1/users/{}", user.id);
        Ok(CreatedUser::Created(JsonBody(user.into()), location))
    }

    /// Change a user's name or email (updateUser)
    #[oai(path = "/:id", method = "patch")]
    async fn update_user(
        &self,
        request: &Request,
        id: Path<u64>,
        body: JsonBody<UpdateUser>,
    ) -> Answer<JsonBody<User>> {
        let user = self.gate.call(&credentials(request), Operation::UpdateUser, |pg, caller| {
            let patch = UserPatch::parse(body.0.name.as_deref(), body.0.email.as_deref())?;
            let current_matches = if_match::<User>(request);
            pg.update_user_if(caller, id.0, patch, |current| current_matches(&User::from(current.clone())))
        })?;
        Ok(JsonBody(user.into()))
    }

    /// Delete a user who has no orders (deleteUser)
    #[oai(path = "/:id", method = "delete")]
    async fn delete_user(&self, request: &Request, id: Path<u64>) -> Answer<Deleted> {
        self.gate.call(&credentials(request), Operation::DeleteUser, |pg, caller| {
            let current_matches = if_match::<User>(request);
            pg.delete_user_if(caller, id.0, |current| current_matches(&User::from(current.clone())))
        })?;
        Ok(Deleted::NoContent)
    }
}
