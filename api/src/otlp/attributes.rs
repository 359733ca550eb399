//! OTLP attributes (`KeyValue` lists of `AnyValue`s): looked up by key, and turned into JSON
//! for an activity's payload.

use std::collections::HashMap;

use base64::Engine as _;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use serde_json::{Map, Value};

/// A list of attributes by key; on a repeated key the last value wins, as in the SDKs.
pub struct Attributes<'a>(HashMap<&'a str, &'a Any>);

impl<'a> Attributes<'a> {
    pub fn of(list: &'a [KeyValue]) -> Self {
        Attributes(
            list.iter()
                .filter_map(|kv| Some((kv.key.as_str(), kv.value.as_ref()?.value.as_ref()?)))
                .collect(),
        )
    }

    /// The non-blank string at `key`.
    pub fn text(&self, key: &str) -> Option<&'a str> {
        match self.0.get(key) {
            Some(Any::StringValue(s)) if !s.trim().is_empty() => Some(s.as_str()),
            _ => None,
        }
    }

    /// The first of `keys` that holds a count: a whole number, not negative (instrumentations
    /// send integers, a few send whole doubles).
    pub fn count(&self, keys: &[&str]) -> Option<i64> {
        keys.iter().find_map(|key| match self.0.get(key)? {
            Any::IntValue(n) if *n >= 0 => Some(*n),
            // In range and whole, so the conversion is exact.
            Any::DoubleValue(x) if x.fract() == 0.0 && (0.0..9.0e15).contains(x) => Some(*x as i64),
            _ => None,
        })
    }
}

/// `{"key": value, ...}` of an attribute list.
pub fn to_json(list: &[KeyValue]) -> Value {
    Value::Object(
        list.iter()
            .map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Value::Null, json)))
            .collect::<Map<_, _>>(),
    )
}

/// One attribute value as JSON: arrays and maps nest, bytes are base64, and a double that
/// JSON cannot hold (NaN, infinity) is its text.
pub fn json(value: &AnyValue) -> Value {
    match &value.value {
        None | Some(Any::StringValueStrindex(_)) => Value::Null,
        Some(Any::StringValue(s)) => Value::String(s.clone()),
        Some(Any::BoolValue(b)) => Value::Bool(*b),
        Some(Any::IntValue(n)) => Value::from(*n),
        Some(Any::DoubleValue(x)) => serde_json::Number::from_f64(*x)
            .map_or_else(|| Value::String(x.to_string()), Value::Number),
        Some(Any::BytesValue(bytes)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        Some(Any::ArrayValue(array)) => Value::Array(array.values.iter().map(json).collect()),
        Some(Any::KvlistValue(map)) => to_json(&map.values),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};
    use serde_json::json as j;

    use super::*;

    /// An attribute, for the tests of this feature.
    pub(crate) fn kv(key: &str, value: Any) -> KeyValue {
        KeyValue {
            key: key.to_owned(),
            value: Some(AnyValue { value: Some(value) }),
            ..KeyValue::default()
        }
    }

    #[test]
    fn every_kind_of_value_becomes_json() {
        let list = vec![
            kv("s", Any::StringValue("x".into())),
            kv("b", Any::BoolValue(true)),
            kv("i", Any::IntValue(-3)),
            kv("d", Any::DoubleValue(0.5)),
            kv("nan", Any::DoubleValue(f64::NAN)),
            kv("bytes", Any::BytesValue(vec![1, 2, 3])),
            kv(
                "a",
                Any::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(Any::IntValue(1)),
                    }],
                }),
            ),
            kv(
                "m",
                Any::KvlistValue(KeyValueList {
                    values: vec![kv("k", Any::StringValue("v".into()))],
                }),
            ),
        ];
        assert_eq!(
            to_json(&list),
            j!({ "s": "x", "b": true, "i": -3, "d": 0.5, "nan": "NaN", "bytes": "AQID",
                 "a": [1], "m": { "k": "v" } })
        );
    }

    #[test]
    fn counts_are_whole_and_not_negative_and_the_first_key_present_wins() {
        let list = vec![
            kv("neg", Any::IntValue(-1)),
            kv("half", Any::DoubleValue(1.5)),
            kv("whole", Any::DoubleValue(12.0)),
            kv("text", Any::StringValue("12".into())),
            kv("new", Any::IntValue(7)),
            kv("old", Any::IntValue(9)),
        ];
        let attributes = Attributes::of(&list);
        assert_eq!(attributes.count(&["neg"]), None);
        assert_eq!(attributes.count(&["half"]), None);
        assert_eq!(attributes.count(&["text"]), None);
        assert_eq!(attributes.count(&["whole"]), Some(12));
        assert_eq!(attributes.count(&["missing", "new", "old"]), Some(7));
    }
}
