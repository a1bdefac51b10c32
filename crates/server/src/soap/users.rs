//! The user operations as SOAP document/literal calls: `ListUsers`, `GetUser`, `CreateUser`,
//! `UpdateUser`, `DeleteUser`, with PascalCase elements and `xs:dateTime` times.

use playground_domain::{DomainError, NewUser, Operation, PageRequest, User, UserPatch};

use super::envelope::Element;
use super::xml::{close_response, element, empty_response, open_response};
use super::{optional_number, optional_text, required_number, required_text, Call};

pub fn write_user(out: &mut String, user: &User) {
    out.push_str("<User>");
    element(out, "Id", itoa::Buffer::new().format(user.id));
    element(out, "Name", &user.name);
    element(out, "Email", &user.email);
    element(out, "CreatedAt", &super::xs_date_time(user.created_at));
    out.push_str("</User>");
}

fn user_response(out: &mut String, operation: &str, user: &User) -> Result<(), DomainError> {
    open_response(out, operation);
    write_user(out, user);
    close_response(out, operation);
    Ok(())
}

pub fn list(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let limit = optional_number(request, "Limit")?;
    let cursor = optional_text(request, "Cursor");
    let page =
        call.run(Operation::ListUsers, |pg, caller| Ok(pg.list_users(caller, PageRequest::parse(limit, cursor)?)))?;
    open_response(out, "ListUsers");
    out.push_str("<Users>");
    for user in &page.items {
        write_user(out, user);
    }
    out.push_str("</Users>");
    if let Some(next) = &page.next_cursor {
        element(out, "NextCursor", next);
    }
    close_response(out, "ListUsers");
    Ok(())
}

pub fn get(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let id = required_number(request, "Id")?;
    let user = call.run(Operation::GetUser, |pg, caller| pg.get_user(caller, id))?;
    user_response(out, "GetUser", &user)
}

pub fn create(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let name = required_text(request, "Name")?;
    let email = required_text(request, "Email")?;
    let user = call.run(Operation::CreateUser, |pg, caller| pg.create_user(caller, NewUser::parse(name, email)?))?;
    user_response(out, "CreateUser", &user)
}

pub fn update(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let id = required_number(request, "Id")?;
    let name = optional_text(request, "Name");
    let email = optional_text(request, "Email");
    let user =
        call.run(Operation::UpdateUser, |pg, caller| pg.update_user(caller, id, UserPatch::parse(name, email)?))?;
    user_response(out, "UpdateUser", &user)
}

pub fn delete(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    let id = required_number(request, "Id")?;
    call.run(Operation::DeleteUser, |pg, caller| pg.delete_user(caller, id))?;
    empty_response(out, "DeleteUser");
    Ok(())
}
