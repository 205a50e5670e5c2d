//! Pydantic v2's lax coercion for the numeric fields of Ray's Serve schema, with pydantic's own messages: Ray reads
//! `num_cpus: "2"` as 2.0 and `max_replicas: 4.0` as 4, and refuses `num_cpus: two` with "Input should be a valid
//! number, unable to parse string as a number". Applied before the scenario's own checks, so a value that Ray accepts
//! is accepted here, and one Ray refuses is refused in Ray's words.
use serde_json::{Number, Value};

/// The pydantic type of a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Float,
    Int,
    /// `StrictInt` (`max_queued_requests`): no coercion at all.
    StrictInt,
}

/// `value` as pydantic reads it for `ty`, or pydantic's message.
pub fn coerce(value: &Value, ty: Ty) -> Result<Value, &'static str> {
    match (ty, value) {
        (_, Value::Null) => Ok(Value::Null),
        (Ty::StrictInt, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(value.clone()),
        (Ty::StrictInt, _) => Err("Input should be a valid integer"),
        (Ty::Float, Value::Number(_)) => Ok(value.clone()),
        (Ty::Float, Value::Bool(b)) => Ok(Value::from(if *b { 1.0 } else { 0.0 })),
        (Ty::Float, Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or("Input should be a valid number, unable to parse string as a number"),
        (Ty::Float, _) => Err("Input should be a valid number"),
        (Ty::Int, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(value.clone()),
        (Ty::Int, Value::Number(n)) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Ok(Value::from(f as i64))
            } else {
                Err("Input should be a valid integer, got a number with a fractional part")
            }
        }
        (Ty::Int, Value::Bool(b)) => Ok(Value::from(i64::from(*b))),
        (Ty::Int, Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "Input should be a valid integer, unable to parse string as an integer"),
        (Ty::Int, _) => Err("Input should be a valid integer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn as_pydantic_lax_mode() {
        assert_eq!(coerce(&json!("2"), Ty::Float), Ok(json!(2.0)));
        assert_eq!(coerce(&json!(" 0.5 "), Ty::Float), Ok(json!(0.5)));
        assert_eq!(coerce(&json!(true), Ty::Float), Ok(json!(1.0)));
        assert_eq!(
            coerce(&json!("two"), Ty::Float),
            Err("Input should be a valid number, unable to parse string as a number")
        );
        assert_eq!(coerce(&json!([1]), Ty::Float), Err("Input should be a valid number"));
        assert_eq!(coerce(&json!(4.0), Ty::Int), Ok(json!(4)));
        assert_eq!(coerce(&json!("4"), Ty::Int), Ok(json!(4)));
        assert_eq!(
            coerce(&json!(4.5), Ty::Int),
            Err("Input should be a valid integer, got a number with a fractional part")
        );
        assert_eq!(
            coerce(&json!("4.0"), Ty::Int),
            Err("Input should be a valid integer, unable to parse string as an integer")
        );
        assert_eq!(coerce(&json!("4"), Ty::StrictInt), Err("Input should be a valid integer"));
        assert_eq!(coerce(&json!(-1), Ty::StrictInt), Ok(json!(-1)));
    }
}
