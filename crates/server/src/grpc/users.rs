//! `playground.v1.UserService`: the five user operations as unary RPCs.

use std::sync::Arc;

use playground_domain::{DomainError, NewUser, Operation, PageRequest, UserPatch};
use tonic::{Request, Response, Status};

use super::pb::user_service_server::UserService;
use super::pb::{
    CreateUserRequest, CreateUserResponse, DeleteUserRequest, GetUserRequest, GetUserResponse, ListUsersRequest,
    ListUsersResponse, UpdateUserRequest, UpdateUserResponse, User,
};
use super::{credentials, error::status, page_size, timestamp, ToProto};
use crate::gate::Gate;

pub struct UserApi {
    pub gate: Arc<Gate>,
}

impl ToProto for playground_domain::User {
    type Message = User;
    fn to_proto(self) -> User {
        let playground_domain::User { id, name, email, created_at } = self;
        User { id, name, email, created_at: Some(timestamp(created_at)) }
    }
}

/// Which fields an UpdateUser changes: the mask's paths, or every non-empty field without one.
fn patch(user: &User, mask: Option<prost_types::FieldMask>) -> Result<UserPatch, DomainError> {
    let paths = match mask {
        Some(mask) if !mask.paths.is_empty() => mask.paths,
        _ => ["name", "email"]
            .iter()
            .filter(|p| (**p == "name" && !user.name.is_empty()) || (**p == "email" && !user.email.is_empty()))
            .map(|p| (*p).to_owned())
            .collect(),
    };
    let mut name = None;
    let mut email = None;
    for path in &paths {
        match path.as_str() {
            "name" => name = Some(user.name.as_str()),
            "email" => email = Some(user.email.as_str()),
            other => {
                return Err(DomainError::invalid(
                    "update_mask",
                    format!("unknown path {other:?}: expected name or email"),
                ))
            }
        }
    }
    UserPatch::parse(name, email)
}

#[tonic::async_trait]
impl UserService for UserApi {
    async fn list_users(&self, request: Request<ListUsersRequest>) -> Result<Response<ListUsersResponse>, Status> {
        let credentials = credentials(&request);
        let ListUsersRequest { page_size: size, page_token } = request.into_inner();
        let page = self
            .gate
            .call(&credentials, Operation::ListUsers, |pg, caller| {
                Ok(pg.list_users(caller, PageRequest::parse(page_size(size)?, Some(&page_token))?))
            })
            .map_err(status)?;
        Ok(Response::new(ListUsersResponse {
            total_size: i32::try_from(page.total).unwrap_or(i32::MAX),
            users: page.items.into_iter().map(ToProto::to_proto).collect(),
            next_page_token: page.next_cursor.unwrap_or_default(),
        }))
    }

    async fn get_user(&self, request: Request<GetUserRequest>) -> Result<Response<GetUserResponse>, Status> {
        let credentials = credentials(&request);
        let GetUserRequest { id } = request.into_inner();
        let user =
            self.gate.call(&credentials, Operation::GetUser, |pg, caller| pg.get_user(caller, id)).map_err(status)?;
        Ok(Response::new(GetUserResponse { user: Some(user.to_proto()) }))
    }

    async fn create_user(&self, request: Request<CreateUserRequest>) -> Result<Response<CreateUserResponse>, Status> {
        let credentials = credentials(&request);
        let CreateUserRequest { name, email } = request.into_inner();
        let user = self
            .gate
            .call(&credentials, Operation::CreateUser, |pg, caller| {
                pg.create_user(caller, NewUser::parse(&name, &email)?)
            })
            .map_err(status)?;
        Ok(Response::new(CreateUserResponse { user: Some(user.to_proto()) }))
    }

    async fn update_user(&self, request: Request<UpdateUserRequest>) -> Result<Response<UpdateUserResponse>, Status> {
        let credentials = credentials(&request);
        let UpdateUserRequest { user, update_mask } = request.into_inner();
        let user = self
            .gate
            .call(&credentials, Operation::UpdateUser, |pg, caller| {
                let user = user.ok_or_else(|| DomainError::invalid("user", "user is required (with its id)"))?;
                pg.update_user(caller, user.id, patch(&user, update_mask)?)
            })
            .map_err(status)?;
        Ok(Response::new(UpdateUserResponse { user: Some(user.to_proto()) }))
    }

    async fn delete_user(&self, request: Request<DeleteUserRequest>) -> Result<Response<()>, Status> {
        let credentials = credentials(&request);
        let DeleteUserRequest { id } = request.into_inner();
        self.gate.call(&credentials, Operation::DeleteUser, |pg, caller| pg.delete_user(caller, id)).map_err(status)?;
        Ok(Response::new(()))
    }
}
