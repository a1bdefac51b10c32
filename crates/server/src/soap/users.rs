//! The user operations as SOAP document/literal calls: `ListUsers`, `GetUser`, `CreateUser`,
//! `UpdateUser`, `DeleteUser`, with PascalCase elements and `xs:dateTime` times.

use playground_domain::{DomainError, NewUser, Operation, PageRequest, User, UserPatch};

use super::envelope::Element;
use super::xml::element;
use super::{optional_number, optional_text, required_number, required_text, Call};

pub fn write_user(out: &mut String, user: &User) {
    out.push_str("<User>");
    element(out, "Id", itoa::Buffer::new().format(user.id));
    element(out, "Name", &user.name);
    element(out, "Email", &user.email);
    element(out, "CreatedAt", &super::xs_date_time(user.created_at));
    out.push_str("</User>");
}

fn user_response(operation: &str, user: &User) -> String {
    // One allocation for the whole answer: a user's element is a few hundred bytes.
    let mut out = String::with_capacity(320 + user.name.len() + user.email.len());
    for part in ["<", operation, "Response xmlns=\"", super::NAMESPACE, "\">"] {
        out.push_str(part);
    }
    write_user(&mut out, user);
    for part in ["</", operation, "Response>"] {
        out.push_str(part);
    }
    out
}

pub fn list(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let limit = optional_number(request, "Limit")?;
    let cursor = optional_text(request, "Cursor");
    let page =
        call.run(Operation::ListUsers, |pg, caller| Ok(pg.list_users(caller, PageRequest::parse(limit, cursor)?)))?;
    let mut out = format!("<ListUsersResponse xmlns=\"{}\"><Users>", super::NAMESPACE);
    for user in &page.items {
        write_user(&mut out, user);
    }
    out.push_str("</Users>");
    if let Some(next) = &page.next_cursor {
        element(&mut out, "NextCursor", next);
    }
    out.push_str("</ListUsersResponse>");
    Ok(out)
}

pub fn get(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let id = required_number(request, "Id")?;
    let user = call.run(Operation::GetUser, |pg, caller| pg.get_user(caller, id))?;
    Ok(user_response("GetUser", &user))
}

pub fn create(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let name = required_text(request, "Name")?;
    let email = required_text(request, "Email")?;
    let user = call.run(Operation::CreateUser, |pg, caller| pg.create_user(caller, NewUser::parse(name, email)?))?;
    Ok(user_response("CreateUser", &user))
}

pub fn update(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let id = required_number(request, "Id")?;
    let name = optional_text(request, "Name");
    let email = optional_text(request, "Email");
    let user =
        call.run(Operation::UpdateUser, |pg, caller| pg.update_user(caller, id, UserPatch::parse(name, email)?))?;
    Ok(user_response("UpdateUser", &user))
}

pub fn delete(call: Call<'_>, request: &Element) -> Result<String, DomainError> {
    let id = required_number(request, "Id")?;
    call.run(Operation::DeleteUser, |pg, caller| pg.delete_user(caller, id))?;
    Ok(format!("<DeleteUserResponse xmlns=\"{}\"/>", super::NAMESPACE))
}
