//! Jupyter wire format (messaging 5.3): framing and HMAC-SHA256 signing.
//!
//! A message on a socket is `[identities…, "<IDS|MSG>", signature, header,
//! parent_header, metadata, content, buffers…]`. [`Codec`] turns those frames into a
//! typed [`JupyterMessage`] and back; it knows nothing about sockets, so the same
//! code runs over ZeroMQ and over the in-memory transport of the unit tests.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use jupyter_protocol::{Header, JupyterMessage, JupyterMessageContent};
use serde_json::Value;
use sha2::Sha256;

/// Separates routing identities from the message proper.
pub const DELIMITER: &[u8] = b"<IDS|MSG>";
/// The protocol version this kernel speaks.
pub const PROTOCOL_VERSION: &str = "5.3";

/// Why a frame sequence is not a message this kernel accepts.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// No `<IDS|MSG>` frame.
    #[error("no <IDS|MSG> delimiter among {0} frames")]
    MissingDelimiter(usize),
    /// Fewer than the five frames that must follow the delimiter.
    #[error("message has {0} frames after the delimiter; at least 5 are required")]
    TooFewFrames(usize),
    /// The HMAC does not match: a forged or corrupted message.
    #[error("invalid HMAC signature (message type {msg_type:?})")]
    BadSignature {
        /// The claimed message type, for the log line.
        msg_type: String,
    },
    /// A frame is not valid JSON of the expected shape.
    #[error("the {part} frame is not valid: {cause}")]
    Json {
        /// Which frame.
        part: &'static str,
        /// The parser's complaint.
        cause: serde_json::Error,
    },
    /// The connection file names a scheme other than hmac-sha256.
    #[error("unsupported signature scheme {0:?}; only hmac-sha256 is supported")]
    UnsupportedScheme(String),
}

/// Encodes and decodes signed messages with one session key.
#[derive(Clone)]
pub struct Codec {
    key: Option<Hmac<Sha256>>,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Codec")
            .field("signed", &self.key.is_some())
            .finish()
    }
}

impl Codec {
    /// A codec for `key` under `scheme`. An empty key disables signing, as the spec allows.
    pub fn new(scheme: &str, key: &str) -> Result<Codec, WireError> {
        if key.is_empty() {
            return Ok(Codec { key: None });
        }
        if scheme != "hmac-sha256" {
            return Err(WireError::UnsupportedScheme(scheme.to_owned()));
        }
        let mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
            .map_err(|_| WireError::UnsupportedScheme(scheme.to_owned()))?;
        Ok(Codec { key: Some(mac) })
    }

    fn signature(&self, parts: &[&[u8]]) -> String {
        match &self.key {
            None => String::new(),
            Some(mac) => {
                let mut mac = mac.clone();
                for part in parts {
                    mac.update(part);
                }
                hex::encode(mac.finalize().into_bytes())
            }
        }
    }

    fn verify(&self, signature: &[u8], parts: &[&[u8]]) -> bool {
        match &self.key {
            None => true,
            Some(mac) => {
                let Ok(expected) = hex::decode(signature) else {
                    return false;
                };
                let mut mac = mac.clone();
                for part in parts {
                    mac.update(part);
                }
                mac.verify_slice(&expected).is_ok()
            }
        }
    }

    /// Parses and verifies one message.
    pub fn decode(&self, frames: Vec<Bytes>) -> Result<JupyterMessage, WireError> {
        let count = frames.len();
        let split = frames
            .iter()
            .position(|f| f.as_ref() == DELIMITER)
            .ok_or(WireError::MissingDelimiter(count))?;
        let mut rest = frames;
        let body = rest.split_off(split + 1);
        rest.pop(); // the delimiter
        let identities = rest;
        if body.len() < 5 {
            return Err(WireError::TooFewFrames(body.len()));
        }
        let parts: [&[u8]; 4] = [&body[1], &body[2], &body[3], &body[4]];
        let header: Header = serde_json::from_slice(&body[1]).map_err(|cause| WireError::Json {
            part: "header",
            cause,
        })?;
        if !self.verify(&body[0], &parts) {
            return Err(WireError::BadSignature {
                msg_type: header.msg_type,
            });
        }
        let parent: Value = json_frame(&body[2], "parent_header")?;
        let parent_header = match parent {
            Value::Object(map) if map.is_empty() => None,
            Value::Null => None,
            other => Some(
                serde_json::from_value(other).map_err(|cause| WireError::Json {
                    part: "parent_header",
                    cause,
                })?,
            ),
        };
        let metadata: Value = json_frame(&body[3], "metadata")?;
        let content: Value = json_frame(&body[4], "content")?;
        // Content that does not fit the typed model (a field the spec makes optional
        // left out, say) stays readable as raw JSON, so the kernel can still answer.
        let content =
            JupyterMessageContent::from_type_and_content(&header.msg_type, content.clone())
                .unwrap_or_else(|_| {
                    JupyterMessageContent::UnknownMessage(jupyter_protocol::UnknownMessage {
                        msg_type: header.msg_type.clone(),
                        content,
                    })
                });
        Ok(JupyterMessage {
            zmq_identities: identities,
            header,
            parent_header,
            metadata,
            content,
            buffers: body[5..].to_vec(),
            channel: None,
        })
    }

    /// Serialises and signs one message, identities first.
    pub fn encode(&self, message: &JupyterMessage) -> Vec<Bytes> {
        let to_vec = |value: &dyn erased::Json| value.to_json_bytes();
        let header = to_vec(&message.header);
        let parent = match &message.parent_header {
            Some(parent) => to_vec(parent),
            None => b"{}".to_vec(),
        };
        let metadata = to_vec(&message.metadata);
        let content = to_vec(&message.content);
        let signature = self.signature(&[&header, &parent, &metadata, &content]);
        let mut frames = message.zmq_identities.clone();
        frames.push(Bytes::from_static(DELIMITER));
        frames.push(Bytes::from(signature));
        frames.extend([header, parent, metadata, content].map(Bytes::from));
        frames.extend(message.buffers.iter().cloned());
        frames
    }
}

fn json_frame(frame: &[u8], part: &'static str) -> Result<Value, WireError> {
    serde_json::from_slice(frame).map_err(|cause| WireError::Json { part, cause })
}

mod erased {
    /// Serialises any of the message parts; these types cannot fail to serialise.
    pub trait Json {
        fn to_json_bytes(&self) -> Vec<u8>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json_bytes(&self) -> Vec<u8> {
            serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec())
        }
    }
}

/// A new message of `content`'s type, as a reply to or output of `parent`.
pub fn child_of(
    parent: &JupyterMessage,
    content: impl Into<JupyterMessageContent>,
) -> JupyterMessage {
    let mut message = JupyterMessage::new(content, Some(parent));
    message.header.username = String::from("huntrs");
    message.header.version = String::from(PROTOCOL_VERSION);
    message
}

/// Content written as JSON, sent exactly as written. For messages whose typed form
/// would add fields the schema forbids (`"transient": null` on `execute_result`) or
/// that are easiest to write as JSON.
pub fn content(msg_type: &str, json: Value) -> JupyterMessageContent {
    JupyterMessageContent::UnknownMessage(jupyter_protocol::UnknownMessage {
        msg_type: msg_type.to_owned(),
        content: json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::{ExecuteRequest, KernelInfoRequest};

    fn request() -> JupyterMessage {
        let mut message: JupyterMessage = ExecuteRequest::new("1 + 1".to_owned()).into();
        message.zmq_identities = vec![Bytes::from_static(b"client-7")];
        message
    }

    #[test]
    fn round_trips_a_signed_message() {
        let codec = Codec::new("hmac-sha256", "secret").expect("codec");
        let frames = codec.encode(&request());
        assert_eq!(frames[0].as_ref(), b"client-7");
        assert_eq!(frames[1].as_ref(), DELIMITER);
        assert_eq!(frames[2].len(), 64, "hex sha256");
        let decoded = codec.decode(frames).expect("decode");
        assert_eq!(
            decoded.zmq_identities,
            vec![Bytes::from_static(b"client-7")]
        );
        match decoded.content {
            JupyterMessageContent::ExecuteRequest(req) => assert_eq!(req.code, "1 + 1"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn rejects_a_forged_signature() {
        let forger = Codec::new("hmac-sha256", "not-the-key").expect("codec");
        let codec = Codec::new("hmac-sha256", "secret").expect("codec");
        let err = codec.decode(forger.encode(&request())).unwrap_err();
        assert!(
            matches!(err, WireError::BadSignature { ref msg_type } if msg_type == "execute_request")
        );
    }

    #[test]
    fn rejects_tampered_content() {
        let codec = Codec::new("hmac-sha256", "secret").expect("codec");
        let mut frames = codec.encode(&request());
        let last = frames.len() - 1;
        frames[last] = Bytes::from_static(br#"{"code":"rm -rf /","silent":false,"store_history":true,"user_expressions":{},"allow_stdin":false,"stop_on_error":true}"#);
        assert!(matches!(
            codec.decode(frames),
            Err(WireError::BadSignature { .. })
        ));
    }

    #[test]
    fn reports_malformed_frames() {
        let codec = Codec::new("hmac-sha256", "").expect("unsigned codec");
        let frames = |parts: &[&'static [u8]]| {
            parts
                .iter()
                .map(|p| Bytes::from_static(p))
                .collect::<Vec<_>>()
        };
        assert!(matches!(
            codec.decode(frames(&[b"id", b"x"])),
            Err(WireError::MissingDelimiter(2))
        ));
        assert!(matches!(
            codec.decode(frames(&[DELIMITER, b"", b"{}"])),
            Err(WireError::TooFewFrames(2))
        ));
        assert!(matches!(
            codec.decode(frames(&[DELIMITER, b"", b"not json", b"{}", b"{}", b"{}"])),
            Err(WireError::Json { part: "header", .. })
        ));
        let unsigned = codec.encode(&KernelInfoRequest {}.into());
        assert!(
            codec.decode(unsigned).is_ok(),
            "empty key means unsigned messages are accepted"
        );
        assert!(Codec::new("hmac-md5", "k").is_err());
    }

    #[test]
    fn requests_with_left_out_fields_stay_readable() {
        let codec = Codec::new("hmac-sha256", "k").expect("codec");
        let sparse = content(
            "history_request",
            serde_json::json!({"hist_access_type": "tail", "n": 3}),
        );
        let decoded = codec
            .decode(codec.encode(&JupyterMessage::new(sparse, None)))
            .expect("decode");
        match decoded.content {
            JupyterMessageContent::UnknownMessage(raw) => {
                assert_eq!(raw.msg_type, "history_request");
                assert_eq!(raw.content["n"], 3);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unknown_message_types_decode_as_unknown() {
        let codec = Codec::new("hmac-sha256", "k").expect("codec");
        let message = JupyterMessage::new(
            content("frobnicate_request", serde_json::json!({"x": 1})),
            None,
        );
        let decoded = codec.decode(codec.encode(&message)).expect("decode");
        assert!(matches!(
            decoded.content,
            JupyterMessageContent::UnknownMessage(_)
        ));
        assert_eq!(decoded.header.msg_type, "frobnicate_request");
    }
}
