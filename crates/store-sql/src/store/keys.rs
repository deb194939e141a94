use diesel::prelude::*;
use orgs::{KeyRepo, PersonalApiKey, User, UserId};
use time::OffsetDateTime;

use activity_log::ActivityEntry;

use super::{Result, SqlStore, found, record};
use crate::rows::{KeyRow, UserRow, to_us};
use crate::schema::{personal_api_keys as k, users};

impl KeyRepo for SqlStore {
    fn create_key(&self, key: &PersonalApiKey, audit: &[ActivityEntry]) -> Result<()> {
        let row = KeyRow::from_domain(key)?;
        self.logged(audit, |c| {
            diesel::insert_into(k::table).values(&row).execute(c)?;
            Ok(())
        })
    }

    fn key_by_secure_value(&self, secure_value: &str) -> Result<Option<(PersonalApiKey, User)>> {
        self.run(|c| {
            let row: Option<(KeyRow, UserRow)> = k::table
                .inner_join(users::table)
                .filter(k::secure_value.eq(secure_value))
                .filter(users::is_active.eq(true))
                .select((KeyRow::as_select(), UserRow::as_select()))
                .first(c)
                .optional()?;
            let Some((key, user)) = row else {
                return Ok(None);
            };
            Ok(Some((key.into_domain()?, user.into_user()?)))
        })
    }

    fn keys_of(&self, user: UserId) -> Result<Vec<PersonalApiKey>> {
        self.run(|c| {
            // Newest first, as PostHog lists them.
            let rows: Vec<KeyRow> = k::table
                .filter(k::user_id.eq(user.0))
                .select(KeyRow::as_select())
                .order((k::created_at.desc(), k::id.asc()))
                .load(c)?;
            Ok(rows.into_iter().map(KeyRow::into_domain).collect::<Result<Vec<_>>>()?)
        })
    }

    fn key(&self, user: UserId, id: &str) -> Result<Option<PersonalApiKey>> {
        self.run(|c| {
            let row = k::table
                .filter(k::id.eq(id))
                .filter(k::user_id.eq(user.0))
                .select(KeyRow::as_select())
                .first(c)
                .optional()?;
            Ok(row.map(KeyRow::into_domain).transpose()?)
        })
    }

    fn delete_key(&self, user: UserId, id: &str, audit: &[ActivityEntry]) -> Result<bool> {
        self.tx(|c| {
            let n = diesel::delete(k::table.filter(k::id.eq(id)).filter(k::user_id.eq(user.0))).execute(c)?;
            if n > 0 {
                record(c, audit)?;
            }
            Ok(n > 0)
        })
    }

    fn touch_key(&self, id: &str, at: OffsetDateTime) -> Result<()> {
        // Best effort: a key deleted meanwhile is not an error for the request using it.
        self.run(|c| {
            diesel::update(k::table.find(id)).set(k::last_used_at.eq(Some(to_us(at)))).execute(c)?;
            Ok(())
        })
    }

    fn roll_key(
        &self,
        id: &str,
        secure_value: &str,
        mask_value: &str,
        at: OffsetDateTime,
        audit: &[ActivityEntry],
    ) -> Result<()> {
        self.logged(audit, |c| {
            let n = diesel::update(k::table.find(id))
                .set((
                    k::secure_value.eq(secure_value),
                    k::mask_value.eq(mask_value),
                    k::last_rolled_at.eq(Some(to_us(at))),
                ))
                .execute(c)?;
            found(n)
        })
    }
}
