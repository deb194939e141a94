use super::*;

const COL: &str = "logs_alert_destinations.signing_secret";

fn boxed() -> SecretBox {
    SecretBox::new(SecretKey::generate())
}

#[test]
fn sealed_values_read_back_and_hide_the_plain_text() {
    let b = boxed();
    let sealed = b.seal(COL, "whsec_abc").unwrap();
    assert!(sealed.starts_with(&format!("enc:v1:{}:", b.current().id())), "{sealed}");
    assert!(!sealed.contains("whsec_abc"));
    assert_eq!(b.open(COL, &sealed).unwrap(), "whsec_abc");
    // A fresh nonce each time: equal secrets do not look equal.
    assert_ne!(b.seal(COL, "whsec_abc").unwrap(), sealed);
}

#[test]
fn legacy_plain_text_is_read_as_it_is() {
    assert_eq!(boxed().open(COL, "whsec_plain").unwrap(), "whsec_plain");
    assert_eq!(boxed().open(COL, "{\"access_token\":\"xoxb\"}").unwrap(), "{\"access_token\":\"xoxb\"}");
}

#[test]
fn another_key_another_column_or_a_flipped_bit_is_refused() {
    let (a, b) = (boxed(), boxed());
    let sealed = a.seal(COL, "s").unwrap();
    assert!(matches!(b.open(COL, &sealed), Err(SecretError::UnknownKey { .. })));
    assert!(matches!(a.open("integrations.sensitive_config", &sealed), Err(SecretError::Corrupt { .. })));
    let mut bytes = sealed.clone().into_bytes();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(bytes).unwrap();
    assert!(matches!(a.open(COL, &altered), Err(SecretError::Corrupt { .. })));
    assert!(matches!(a.open(COL, "enc:v9:zz"), Err(SecretError::Corrupt { .. })));
}

#[test]
fn previous_keys_still_read_and_current_is_told_apart() {
    let old = SecretKey::generate();
    let sealed_old = SecretBox::new(old.clone()).seal(COL, "s").unwrap();
    let b = boxed().with_previous(old);
    assert_eq!(b.open(COL, &sealed_old).unwrap(), "s");
    assert!(!b.is_current(&sealed_old));
    assert!(b.is_current(&b.seal(COL, "s").unwrap()));
    assert!(!b.is_current("plain"));
}

#[test]
fn keys_round_trip_through_base64_with_a_stable_id() {
    let k = SecretKey::generate();
    let text = k.to_base64();
    assert_eq!(text.len(), 44);
    let back = SecretKey::from_base64(&format!("{text}\n")).unwrap();
    assert_eq!(back.id(), k.id());
    assert_eq!(back.id().len(), 8);
    assert!(matches!(SecretKey::from_base64("c2hvcnQ="), Err(SecretError::BadKey(_))));
    assert!(matches!(SecretKey::from_base64("not base64!"), Err(SecretError::BadKey(_))));
    assert!(!format!("{k:?}").contains(&text), "Debug hides the key");
}

#[test]
fn a_store_without_a_key_writes_plain_and_refuses_sealed() {
    assert_eq!(seal_with(None, COL, "s").unwrap(), "s");
    let sealed = boxed().seal(COL, "s").unwrap();
    assert!(matches!(open_with(None, COL, &sealed), Err(SecretError::NoKey { .. })));
    assert_eq!(open_with(None, COL, "s").unwrap(), "s");
}
