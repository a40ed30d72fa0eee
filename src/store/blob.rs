//! Engine values kept as JSON text in the database, with a version: written
//! as `{"version":1,"data":…}`, read back from that or from the bare value
//! that releases before versioned blobs wrote (version 0). A later change to
//! an engine type bumps [`VERSION`] and adds its conversion here, so that an
//! attempt already on a teacher's disk still loads.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The version [`encode`] writes.
pub const VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("cannot encode as JSON")]
    Encode(#[source] serde_json::Error),
    #[error("not valid JSON")]
    Syntax(#[source] serde_json::Error),
    #[error("version {version} is newer than this build reads (up to {VERSION})")]
    TooNew { version: u64 },
    #[error("the JSON of version {version} does not fit")]
    Shape {
        version: u64,
        #[source]
        source: serde_json::Error,
    },
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    version: u64,
    data: &'a T,
}

/// `value` as versioned JSON text.
pub fn encode<T: Serialize>(value: &T) -> Result<String, BlobError> {
    serde_json::to_string(&Envelope {
        version: VERSION,
        data: value,
    })
    .map_err(BlobError::Encode)
}

/// Reads what [`encode`] wrote, or a bare value of version 0.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, BlobError> {
    let value: Value = serde_json::from_str(text).map_err(BlobError::Syntax)?;
    let (version, data) = split(value);
    if version > VERSION {
        return Err(BlobError::TooNew { version });
    }
    // Versions 0 and 1 hold the same shape; a version 2 converts here.
    serde_json::from_value(data).map_err(|source| BlobError::Shape { version, source })
}

/// The version and the value inside. Only an object of exactly `version`
/// (a whole number) and `data` is an envelope: no engine type serialises to
/// that shape, so a bare value is never mistaken for one.
fn split(value: Value) -> (u64, Value) {
    if let Value::Object(map) = &value
        && map.len() == 2
        && let (Some(version), Some(_)) =
            (map.get("version").and_then(Value::as_u64), map.get("data"))
    {
        let Value::Object(mut map) = value else {
            unreachable!("matched as an object above")
        };
        let data = map.remove("data").unwrap_or(Value::Null);
        return (version, data);
    }
    (0, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Response;

    #[test]
    fn versioned_and_bare_blobs_read_alike() {
        let response = Response::Order(vec![2, 0, 1]);
        let written = encode(&response).unwrap();
        assert_eq!(
            written,
            r#"{"version":1,"data":{"type":"order","value":[2,0,1]}}"#
        );
        for text in [
            written.as_str(),
            r#"{"type":"order","value":[2,0,1]}"#,
            r#"{"version":0,"data":{"type":"order","value":[2,0,1]}}"#,
        ] {
            assert_eq!(decode::<Response>(text).unwrap(), response, "{text}");
        }
    }

    #[test]
    fn what_cannot_be_read_says_why() {
        for (text, want) in [
            ("{", "not valid JSON"),
            (
                r#"{"version":2,"data":{"type":"bool","value":true}}"#,
                "version 2 is newer",
            ),
            (
                r#"{"version":1,"data":{"type":"colour"}}"#,
                "version 1 does not fit",
            ),
            (r#"{"type":"colour"}"#, "version 0 does not fit"),
        ] {
            let e = decode::<Response>(text).unwrap_err();
            assert!(e.to_string().contains(want), "{text}: {e}");
        }
    }
}
