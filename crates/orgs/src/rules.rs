//! Who may do what (specs/platform.md 3.1, 3.3) and field validation.

use crate::{Level, OrgsError, UserId};

pub const MAX_ORG_NAME: usize = 64;
pub const MAX_PROJECT_NAME: usize = 200;
pub const MAX_KEY_LABEL: usize = 40;
pub const MAX_KEYS_PER_USER: usize = 10;
pub const MIN_PASSWORD: usize = 8;

pub fn require_admin(level: Level) -> Result<(), OrgsError> {
    if level >= Level::Admin { Ok(()) } else { Err(OrgsError::insufficient_level()) }
}

pub fn require_owner(level: Level) -> Result<(), OrgsError> {
    if level == Level::Owner { Ok(()) } else { Err(OrgsError::insufficient_level()) }
}

/// Level changes: never your own, only admins and owners edit others, never above your own
/// level, never someone above you, and only an owner makes owners.
pub fn check_level_change(
    actor: UserId,
    actor_level: Level,
    target: UserId,
    target_level: Level,
    new_level: Level,
) -> Result<(), OrgsError> {
    if actor == target {
        return Err(OrgsError::Forbidden("You can't change your own access level.".into()));
    }
    require_admin(actor_level)?;
    if target_level > actor_level {
        return Err(OrgsError::Forbidden(
            "You can only edit others with level lower or equal to you.".into(),
        ));
    }
    if new_level > actor_level {
        return Err(OrgsError::Forbidden(
            "You can only change access level of others to lower or equal to your current one.".into(),
        ));
    }
    if new_level == Level::Owner && actor_level != Level::Owner {
        return Err(OrgsError::Forbidden("Only owners can make others owners.".into()));
    }
    Ok(())
}

/// Removing a member: anyone may leave; admins and owners remove members at or below them.
pub fn check_removal(
    actor: UserId,
    actor_level: Level,
    target: UserId,
    target_level: Level,
) -> Result<(), OrgsError> {
    if actor == target {
        return Ok(());
    }
    require_admin(actor_level)?;
    if target_level > actor_level {
        return Err(OrgsError::Forbidden(
            "You can only remove others with level lower or equal to you.".into(),
        ));
    }
    Ok(())
}

/// Adding a member: admins and owners, at most at their own level.
pub fn check_addition(actor_level: Level, level: Level) -> Result<(), OrgsError> {
    require_admin(actor_level)?;
    if level > actor_level {
        return Err(OrgsError::Forbidden(
            "You can only add members with level lower or equal to you.".into(),
        ));
    }
    Ok(())
}

pub fn validate_name(attr: &str, name: &str, max: usize) -> Result<String, OrgsError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(OrgsError::invalid(attr, "blank", "This field may not be blank."));
    }
    if trimmed.chars().count() > max {
        return Err(OrgsError::invalid(
            attr,
            "max_length",
            format!("Ensure this field has no more than {max} characters."),
        ));
    }
    Ok(trimmed.to_string())
}

pub fn validate_email(email: &str) -> Result<String, OrgsError> {
    let e = email.trim().to_lowercase();
    let ok = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        }
        None => false,
    };
    // 254 characters, as Django's EmailField counts them (not bytes).
    if !ok || e.chars().count() > 254 || e.chars().any(char::is_whitespace) {
        return Err(OrgsError::invalid("email", "invalid_input", "Enter a valid email address."));
    }
    Ok(e)
}

pub fn validate_password(password: &str) -> Result<(), OrgsError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(OrgsError::invalid(
            "password",
            "password_too_short",
            format!("This password is too short. It must contain at least {MIN_PASSWORD} characters."),
        ));
    }
    Ok(())
}

/// Days of log retention a project may ask for: one day to ten years.
pub fn validate_retention_days(days: i32) -> Result<i32, OrgsError> {
    if (1..=3650).contains(&days) {
        Ok(days)
    } else {
        Err(OrgsError::invalid("retention_days", "invalid_input", "Ensure this value is between 1 and 3650."))
    }
}

/// IANA-looking zone names (`UTC`, `Europe/Berlin`, `America/Argentina/Salta`).
pub fn validate_timezone(tz: &str) -> Result<String, OrgsError> {
    let ok = !tz.is_empty()
        && tz.len() <= 64
        && tz.split('/').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))
        });
    if ok {
        Ok(tz.to_string())
    } else {
        Err(OrgsError::invalid("timezone", "invalid_choice", format!("\"{tz}\" is not a valid choice.")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const A: UserId = UserId(1);
    const B: UserId = UserId(2);

    #[test]
    fn level_change_table() {
        use Level::*;
        assert!(check_level_change(A, Admin, A, Admin, Member).is_err(), "own level");
        assert!(check_level_change(A, Member, B, Member, Member).is_err(), "member edits");
        assert!(check_level_change(A, Admin, B, Owner, Member).is_err(), "edit above self");
        assert!(check_level_change(A, Admin, B, Member, Owner).is_err(), "raise above self");
        assert!(check_level_change(A, Admin, B, Member, Admin).is_ok());
        assert!(check_level_change(A, Owner, B, Member, Owner).is_ok());
        assert!(check_level_change(A, Owner, B, Owner, Member).is_ok(), "several owners");
    }

    #[test]
    fn removal_and_addition() {
        use Level::*;
        assert!(check_removal(A, Member, A, Member).is_ok(), "leave");
        assert!(check_removal(A, Member, B, Member).is_err());
        assert!(check_removal(A, Admin, B, Owner).is_err());
        assert!(check_removal(A, Owner, B, Owner).is_ok());
        assert!(check_addition(Member, Member).is_err());
        assert!(check_addition(Admin, Owner).is_err());
        assert!(check_addition(Owner, Owner).is_ok());
    }

    #[test]
    fn validation() {
        assert!(validate_name("name", "  ", 64).is_err());
        assert_eq!(validate_name("name", " x ", 64).ok(), Some("x".to_string()));
        assert!(validate_name("name", &"n".repeat(65), 64).is_err());
        assert_eq!(validate_email(" A@B.io ").ok(), Some("a@b.io".into()));
        for bad in ["", "a", "a@b", "@b.io", "a b@c.io", "a@.io"] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
        assert!(validate_retention_days(0).is_err());
        assert!(validate_retention_days(30).is_ok());
        assert!(validate_timezone("Europe/Berlin").is_ok());
        assert!(validate_timezone("../etc").is_err());
    }
}
