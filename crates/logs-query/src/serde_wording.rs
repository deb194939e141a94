//! serde's type errors (`invalid type: integer `5`, expected a string`) reworded as Django
//! REST framework words them, so API errors read like PostHog's whichever parser failed.

/// The DRF message for a serde error message, or `None` when it is not a type / value
/// error this knows (the caller keeps serde's text).
pub fn drf_message(serde_message: &str) -> Option<String> {
    let message = serde_message.split(" at line ").next().unwrap_or(serde_message);
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        // `x`, expected one of `a`, `b`: the odd backquoted pieces are the value, then the choices.
        let quoted: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        let value = quoted.first().copied().unwrap_or_default();
        let choices = quoted.get(1..).unwrap_or_default().join(", ");
        return Some(format!("\"{value}\" is not a valid choice. Valid choices: {choices}."));
    }
    let (got, expected) =
        match (message.strip_prefix("invalid type: "), message.strip_prefix("invalid value: ")) {
            (Some(rest), _) | (_, Some(rest)) => rest.split_once(", expected ")?,
            _ => return None,
        };
    if got == "null" || got == "unit value" {
        return Some("This field may not be null.".into());
    }
    if message.starts_with("invalid value: ") {
        return Some(out_of_range(got, expected));
    }
    Some(by_expected(expected, python_type(got), got))
}

/// DRF's `IntegerField` takes `5.0` (and JSON Schema's `integer` includes it); serde's
/// integers do not. Integral floats become integers before typed parsing; float fields
/// take integers anyway.
pub fn integral_floats(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18) {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats),
        Value::Object(map) => map.values_mut().for_each(integral_floats),
        _ => {}
    }
}

/// What DRF calls the JSON type that was sent.
fn python_type(got: &str) -> &'static str {
    match got.split([' ', '`']).next().unwrap_or_default() {
        "integer" => "int",
        "floating" => "float",
        "string" | "character" => "str",
        "boolean" => "bool",
        "sequence" => "list",
        "map" => "dict",
        _ => "str",
    }
}

const INTEGERS: [&str; 10] = ["i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "usize"];

fn is_integer(expected: &str) -> bool {
    INTEGERS.contains(&expected) || expected.contains("integer") || expected == "isize"
}

fn by_expected(expected: &str, py: &str, got: &str) -> String {
    let e = expected.trim_start_matches("a ").trim_start_matches("an ");
    if is_integer(e) {
        "A valid integer is required.".into()
    } else if matches!(e, "f32" | "f64") || e.contains("number") || e.contains("float") {
        "A valid number is required.".into()
    } else if e == "string" || e == "char" || e.contains("string") {
        "Not a valid string.".into()
    } else if e.contains("boolean") || e == "bool" {
        "Must be a valid boolean.".into()
    } else if e.contains("sequence") || e.contains("array") || e.contains("list") || e.starts_with("tuple") {
        format!("Expected a list of items but got type \"{py}\".")
    } else if e.contains("map") || e.starts_with("struct") || e.contains("object") || e.contains("dictionary")
    {
        format!("Expected a dictionary of items but got type \"{py}\".")
    } else if e.contains("UUID") || e.contains("uuid") {
        "Must be a valid UUID.".into()
    } else if e.contains("OffsetDateTime") || e.contains("datetime") || e.contains("date") {
        "Datetime has wrong format. Use one of these formats instead: \
         YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
            .into()
    } else if e.contains("variant") || e.starts_with("enum") || e.starts_with("one of") {
        let value = got.split(['`', '"']).nth(1).unwrap_or(got);
        format!("\"{value}\" is not a valid choice.")
    } else {
        format!("Invalid value: expected {expected}.")
    }
}

/// `invalid value: integer `-1`, expected u32` and friends: DRF's min / max wording.
fn out_of_range(got: &str, expected: &str) -> String {
    let value = got.split('`').nth(1).unwrap_or_default();
    let (min, max): (i128, i128) = match expected {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        other => return by_expected(other, python_type(got), got),
    };
    match value.parse::<i128>() {
        Ok(v) if v < min => format!("Ensure this value is greater than or equal to {min}."),
        Ok(_) => format!("Ensure this value is less than or equal to {max}."),
        Err(_) => "A valid integer is required.".into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::drf_message;

    fn drf(m: &str) -> String {
        drf_message(m).unwrap()
    }

    #[test]
    fn type_errors_read_like_drf() {
        assert_eq!(drf("invalid type: integer `5`, expected a string"), "Not a valid string.");
        assert_eq!(
            drf("invalid type: string \"x\", expected i64 at line 1 column 3"),
            "A valid integer is required."
        );
        assert_eq!(drf("invalid type: string \"x\", expected a boolean"), "Must be a valid boolean.");
        assert_eq!(drf("invalid type: floating point `1.5`, expected u32"), "A valid integer is required.");
        assert_eq!(drf("invalid type: string \"x\", expected f64"), "A valid number is required.");
        assert_eq!(
            drf("invalid type: string \"x\", expected a sequence"),
            "Expected a list of items but got type \"str\"."
        );
        assert_eq!(
            drf("invalid type: integer `3`, expected struct AlertFilters"),
            "Expected a dictionary of items but got type \"int\"."
        );
        assert_eq!(
            drf("invalid type: sequence, expected a map"),
            "Expected a dictionary of items but got type \"list\"."
        );
        assert_eq!(drf("invalid type: null, expected a string"), "This field may not be null.");
        assert_eq!(drf("invalid type: integer `1`, expected a UUID"), "Must be a valid UUID.");
    }

    #[test]
    fn values_and_variants() {
        assert_eq!(
            drf("invalid value: integer `-1`, expected u32"),
            "Ensure this value is greater than or equal to 0."
        );
        assert_eq!(
            drf("invalid value: integer `300`, expected u8"),
            "Ensure this value is less than or equal to 255."
        );
        assert_eq!(
            drf("unknown variant `sideways`, expected `above` or `below`"),
            "\"sideways\" is not a valid choice. Valid choices: above, below."
        );
        assert_eq!(drf_message("missing field `name`"), None);
        assert_eq!(drf_message("something else"), None);
    }
}
