use diesel::prelude::*;
use orgs::{NewUser, OrgId, ProjectId, User, UserId, UserRepo};
use uuid::Uuid;

use super::{Fail, Result, SqlStore, found};
use crate::db::AnyConnection;
use crate::rows::{NewUserRow, UserRow, uuid_text};
use crate::schema::users;

/// Inserts the user and reads it back by its unique uuid: `users.id` is assigned by the
/// database and RETURNING is not portable through `AnyConnection`.
pub(super) fn insert_user(c: &mut AnyConnection, new: NewUser) -> std::result::Result<User, Fail> {
    let row = NewUserRow::from(new);
    diesel::insert_into(users::table).values(&row).execute(c)?;
    let stored = users::table.filter(users::uuid.eq(&row.uuid)).select(UserRow::as_select()).first(c)?;
    Ok(stored.into_user()?)
}

impl UserRepo for SqlStore {
    fn create_user(&self, new: NewUser) -> Result<User> {
        self.tx(|c| insert_user(c, new))
    }

    fn user(&self, id: UserId) -> Result<Option<User>> {
        self.run(|c| {
            let row = users::table.find(id.0).select(UserRow::as_select()).first(c).optional()?;
            Ok(row.map(UserRow::into_user).transpose()?)
        })
    }

    fn user_by_uuid(&self, uuid: Uuid) -> Result<Option<User>> {
        self.run(|c| {
            let row = users::table
                .filter(users::uuid.eq(uuid_text(uuid)))
                .select(UserRow::as_select())
                .first(c)
                .optional()?;
            Ok(row.map(UserRow::into_user).transpose()?)
        })
    }

    fn user_by_email(&self, email: &str) -> Result<Option<(User, String)>> {
        // Emails are stored lower-case, so this uses the unique index.
        let email = email.trim().to_lowercase();
        self.run(|c| {
            let row = users::table
                .filter(users::email.eq(email))
                .select(UserRow::as_select())
                .first(c)
                .optional()?;
            Ok(row.map(UserRow::into_user_and_hash).transpose()?)
        })
    }

    fn set_current(&self, user: UserId, org: Option<OrgId>, project: Option<ProjectId>) -> Result<()> {
        self.run(|c| {
            let n = diesel::update(users::table.find(user.0))
                .set((
                    users::current_organization_id.eq(org.map(|o| uuid_text(o.0))),
                    users::current_project_id.eq(project.map(|p| p.0)),
                ))
                .execute(c)?;
            found(n)
        })
    }

    fn count_users(&self) -> Result<i64> {
        self.run(|c| Ok(users::table.count().get_result(c)?))
    }
}
