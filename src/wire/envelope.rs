//! Wire format v1: one envelope per line of `capture.jsonl`. The format is documented
//! for students in `docs/wire-format.md`; this file and that one must agree.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::names::{check_id, check_name};
use super::scheme_id::SchemeId;
use super::{b64, unb64};
use crate::crypto::aead::{KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::error::InputError;

/// The only wire format version this doormat reads and writes.
pub const WIRE_VERSION: u64 = 1;
/// The prefix of every envelope's associated data.
pub const AAD_PREFIX: &str = "doormat/1\n";
/// No RSA key doormat loads is larger than 4096 bits, so no wrapped key is longer.
const MAX_WRAPPED_LEN: usize = 512;
/// Length of `rnd`: one 32-byte draw, as a TLS client random.
pub const RND_LEN: usize = 32;

/// One recorded message, as the network tap sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `m000001`: unique in the capture.
    pub id: String,
    /// Logical clock: the message's index, from 1.
    pub t: u64,
    /// The sender.
    pub from: String,
    /// Every recipient; a group message has several.
    pub to: Vec<String>,
    /// The design that sealed it.
    pub scheme: SchemeId,
    /// Per-session keying: the session whose content key seals this message.
    pub session: Option<String>,
    /// AES-256-GCM's 12-byte nonce.
    pub nonce: [u8; NONCE_LEN],
    /// AES-256-GCM ciphertext followed by the 16-byte tag.
    pub ct: Vec<u8>,
    /// The content key wrapped for each reader, sender first. Empty on the later
    /// envelopes of a session.
    pub wrapped: Vec<(String, Vec<u8>)>,
    /// The content key wrapped for the escrow authority, where the scheme has one.
    pub escrow: Option<Vec<u8>>,
    /// `short-key` only: the public part of the content key (all but its secret bits).
    pub salt: Option<Vec<u8>>,
    /// `clipper` only: the Law Enforcement Access Field.
    pub leaf: Option<Vec<u8>>,
    /// `dual-ec` only: 32 public random bytes the sender's generator drew just before
    /// the content key, as TLS's client random and IKE's nonces were.
    pub rnd: Option<[u8; RND_LEN]>,
    /// `workfactor` only: the workfactor reduction field, the top bits of the content
    /// key's secret wrapped for the agency.
    pub wrf: Option<Vec<u8>>,
    /// `forward-secret` only: for each recipient, the content key under that pair's
    /// Double Ratchet, in `to` order.
    pub ratchet: Vec<(String, RatchetEntry)>,
    /// `sender-keys` only: which of the sender's chains sealed the message, and where in
    /// it. The `ratchet` entries then carry that chain's key to members who lack it.
    pub sender_key: Option<SenderKeyHeader>,
}

/// Which sender chain sealed a `sender-keys` message: Signal's SenderKeyMessage header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SenderKeyHeader {
    /// The chain's id, unique among its sender's chains.
    pub id: u32,
    /// The message key's number in the chain, from 0.
    pub iteration: u32,
}

impl Envelope {
    /// The envelope of `message` sealed as `ct` under `nonce`, before any design adds
    /// the ways to its key (`wrapped`, `escrow`, `leaf`, ...).
    pub fn new(
        message: &super::message::Message,
        scheme: SchemeId,
        nonce: [u8; NONCE_LEN],
        ct: Vec<u8>,
    ) -> Self {
        Envelope {
            id: message.id.clone(),
            t: message.t,
            from: message.from.clone(),
            to: message.to.clone(),
            scheme,
            session: message.session.as_ref().map(|s| s.id.clone()),
            nonce,
            ct,
            wrapped: Vec::new(),
            escrow: None,
            salt: None,
            leaf: None,
            rnd: None,
            wrf: None,
            ratchet: Vec::new(),
            sender_key: None,
        }
    }
}

/// One recipient's part of a `forward-secret` envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatchetEntry {
    /// The ratchet header: which chain and message key.
    pub header: RatchetHeader,
    /// Present on the messages a sender sends before its peer has answered: what the
    /// peer needs to run X3DH and start the session.
    pub x3dh: Option<X3dhHeader>,
    /// The 32-byte content key sealed with AES-256-GCM under this message's ratchet
    /// key: 48 bytes.
    pub key: Vec<u8>,
}

/// The Double Ratchet header: the sender's current ratchet public key, the length of
/// its previous sending chain, and this message's number in the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RatchetHeader {
    /// The sender's current ratchet public key.
    pub dh: [u8; 32],
    /// Messages in the sender's previous sending chain.
    pub pn: u32,
    /// This message's number in its chain.
    pub n: u32,
}

impl RatchetHeader {
    /// `dh ‖ pn ‖ n`, the counters as 4-byte big-endian: 40 bytes.
    pub fn encode(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        out[..32].copy_from_slice(&self.dh);
        out[32..36].copy_from_slice(&self.pn.to_be_bytes());
        out[36..].copy_from_slice(&self.n.to_be_bytes());
        out
    }
}

/// What the initiator of a session sends so that the responder can run X3DH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct X3dhHeader {
    /// The initiator's Ed25519 identity public key.
    pub ik: [u8; 32],
    /// The initiator's ephemeral X25519 public key.
    pub ek: [u8; 32],
    /// Which of the responder's signed prekeys, and which one-time prekey, were used.
    pub spk: u32,
    /// The one-time prekey used, if one was left.
    pub opk: Option<u32>,
}

impl Envelope {
    /// The associated data: `"doormat/1\n" + id + "\n" + from + "\n" + join(to, ",")`.
    pub fn aad(&self) -> Vec<u8> {
        aad(&self.id, &self.from, &self.to)
    }

    /// The key wrapped for `reader`, if this envelope has one for it.
    pub fn wrapped_for(&self, reader: &str) -> Option<&[u8]> {
        self.wrapped
            .iter()
            .find(|(name, _)| name == reader)
            .map(|(_, wrapped)| wrapped.as_slice())
    }

    /// Sender and recipients.
    pub fn participants(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.from.as_str()).chain(self.to.iter().map(String::as_str))
    }

    /// The envelope as one line of JSON (no trailing newline), fields in the documented
    /// order.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(&WireOut::from(self))
            // Serialising strings and byte strings to JSON cannot fail.
            .expect("envelope serialises to JSON")
    }

    /// Parses one line of a capture. The error names the field; the caller adds the file
    /// and line.
    pub fn parse_json(line: &str) -> Result<Envelope, InputError> {
        let raw: WireIn = serde_json::from_str(line)
            .map_err(|e| super::lines::json_problem(&e, "a valid envelope"))?;
        raw.into_envelope()
    }
}

/// Builds the associated data of wire format v1.
pub fn aad(id: &str, from: &str, to: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(AAD_PREFIX.len() + id.len() + from.len() + 16 * to.len());
    out.extend_from_slice(AAD_PREFIX.as_bytes());
    out.extend_from_slice(id.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(from.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(to.join(",").as_bytes());
    out
}

#[derive(Serialize)]
struct WireOut<'a> {
    v: u64,
    id: &'a str,
    t: u64,
    from: &'a str,
    to: &'a [String],
    scheme: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<&'a str>,
    nonce: String,
    ct: String,
    #[serde(skip_serializing_if = "OrderedWraps::is_empty")]
    wrapped: OrderedWraps<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    escrow: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    salt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    leaf: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rnd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wrf: Option<String>,
    #[serde(skip_serializing_if = "OrderedEntries::is_empty")]
    ratchet: OrderedEntries<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender_key: Option<SenderKeyWire>,
}

#[derive(Serialize, Deserialize)]
struct SenderKeyWire {
    id: u32,
    iteration: u32,
}

impl<'a> From<&'a Envelope> for WireOut<'a> {
    fn from(e: &'a Envelope) -> Self {
        WireOut {
            v: WIRE_VERSION,
            id: &e.id,
            t: e.t,
            from: &e.from,
            to: &e.to,
            scheme: e.scheme.as_str(),
            session: e.session.as_deref(),
            nonce: b64(&e.nonce),
            ct: b64(&e.ct),
            wrapped: OrderedWraps(&e.wrapped),
            escrow: e.escrow.as_deref().map(b64),
            salt: e.salt.as_deref().map(b64),
            leaf: e.leaf.as_deref().map(b64),
            rnd: e.rnd.as_ref().map(|r| b64(r)),
            wrf: e.wrf.as_deref().map(b64),
            ratchet: OrderedEntries(&e.ratchet),
            sender_key: e.sender_key.map(|h| SenderKeyWire {
                id: h.id,
                iteration: h.iteration,
            }),
        }
    }
}

/// `wrapped` as a JSON object whose keys keep the sender-first order.
struct OrderedWraps<'a>(&'a [(String, Vec<u8>)]);

impl OrderedWraps<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for OrderedWraps<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, wrapped) in self.0 {
            map.serialize_entry(name, &b64(wrapped))?;
        }
        map.end()
    }
}

/// `ratchet` as a JSON object whose keys keep the order of `to`.
struct OrderedEntries<'a>(&'a [(String, RatchetEntry)]);

impl OrderedEntries<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Serialize, Deserialize)]
struct EntryWire {
    dh: String,
    pn: u32,
    n: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x3dh: Option<X3dhWire>,
    key: String,
}

#[derive(Serialize, Deserialize)]
struct X3dhWire {
    ik: String,
    ek: String,
    spk: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    opk: Option<u32>,
}

impl Serialize for OrderedEntries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, entry) in self.0 {
            let wire = EntryWire {
                dh: b64(&entry.header.dh),
                pn: entry.header.pn,
                n: entry.header.n,
                x3dh: entry.x3dh.map(|x| X3dhWire {
                    ik: b64(&x.ik),
                    ek: b64(&x.ek),
                    spk: x.spk,
                    opk: x.opk,
                }),
                key: b64(&entry.key),
            };
            map.serialize_entry(name, &wire)?;
        }
        map.end()
    }
}

/// Length of a ratchet entry's sealed content key: 32 bytes and the 16-byte tag.
pub const RATCHET_KEY_LEN: usize = KEY_LEN + TAG_LEN;

fn bytes32(field: &str, text: &str) -> Result<[u8; 32], InputError> {
    let bytes = unb64(field, text)?;
    bytes.as_slice().try_into().map_err(|_| {
        InputError::new(format!("must be 32 bytes, found {}", bytes.len())).field(field)
    })
}

impl EntryWire {
    fn parse(self, field: &str) -> Result<RatchetEntry, InputError> {
        let header = RatchetHeader {
            dh: bytes32(&format!("{field}.dh"), &self.dh)?,
            pn: self.pn,
            n: self.n,
        };
        let x3dh = match self.x3dh {
            Some(x) => Some(X3dhHeader {
                ik: bytes32(&format!("{field}.x3dh.ik"), &x.ik)?,
                ek: bytes32(&format!("{field}.x3dh.ek"), &x.ek)?,
                spk: x.spk,
                opk: x.opk,
            }),
            None => None,
        };
        let key = unb64(&format!("{field}.key"), &self.key)?;
        if key.len() != RATCHET_KEY_LEN {
            return Err(InputError::new(format!(
                "must be {RATCHET_KEY_LEN} bytes (a sealed 32-byte content key and its tag), found {}",
                key.len()
            ))
            .field(format!("{field}.key")));
        }
        Ok(RatchetEntry { header, x3dh, key })
    }
}

/// The envelope as it arrives: every field optional, so that a missing one gets our own
/// message naming it. Unknown fields are ignored, as the format requires.
#[derive(Deserialize)]
struct WireIn {
    v: Option<u64>,
    id: Option<String>,
    t: Option<u64>,
    from: Option<String>,
    to: Option<Vec<String>>,
    scheme: Option<String>,
    session: Option<String>,
    nonce: Option<String>,
    ct: Option<String>,
    wrapped: Option<UniqueEntries<String, Readers>>,
    escrow: Option<String>,
    salt: Option<String>,
    leaf: Option<String>,
    rnd: Option<String>,
    wrf: Option<String>,
    ratchet: Option<UniqueEntries<EntryWire, Recipients>>,
    sender_key: Option<SenderKeyWire>,
}

fn missing(field: &str) -> InputError {
    InputError::new("is missing").field(field)
}

impl WireIn {
    fn into_envelope(self) -> Result<Envelope, InputError> {
        let v = self.v.ok_or_else(|| missing("v"))?;
        if v != WIRE_VERSION {
            return Err(InputError::new(format!(
                "wire format version {v} is unknown; this doormat reads version {WIRE_VERSION}"
            ))
            .field("v")
            .hint("was this capture written by a newer doormat?"));
        }
        let id = self.id.ok_or_else(|| missing("id"))?;
        check_id(&id).map_err(|e| e.field("id"))?;
        let t = self.t.ok_or_else(|| missing("t"))?;
        let from = self.from.ok_or_else(|| missing("from"))?;
        check_name(&from).map_err(|e| e.field("from"))?;
        let to = self.to.ok_or_else(|| missing("to"))?;
        if to.is_empty() {
            return Err(InputError::new("lists no recipient").field("to"));
        }
        for (i, name) in to.iter().enumerate() {
            check_name(name).map_err(|e| e.field(format!("to[{i}]")))?;
            if name == &from || to[..i].contains(name) {
                return Err(InputError::new(format!(
                    "lists {name} twice (a sender is never among its own recipients)"
                ))
                .field(format!("to[{i}]")));
            }
        }
        let scheme = SchemeId::parse(&self.scheme.ok_or_else(|| missing("scheme"))?)
            .map_err(|e| e.field("scheme"))?;
        if let Some(session) = &self.session {
            check_id(session).map_err(|e| e.field("session"))?;
        }
        let nonce_bytes = unb64("nonce", &self.nonce.ok_or_else(|| missing("nonce"))?)?;
        let nonce: [u8; NONCE_LEN] = nonce_bytes.as_slice().try_into().map_err(|_| {
            InputError::new(format!(
                "must be {NONCE_LEN} bytes, found {}",
                nonce_bytes.len()
            ))
            .field("nonce")
        })?;
        let ct = unb64("ct", &self.ct.ok_or_else(|| missing("ct"))?)?;
        if ct.len() < TAG_LEN {
            return Err(InputError::new(format!(
                "is {} bytes, shorter than the {TAG_LEN}-byte tag it must end with",
                ct.len()
            ))
            .field("ct"));
        }
        let mut wrapped = Vec::new();
        for (name, text) in self.wrapped.map(|p| p.0).unwrap_or_default() {
            let field = format!("wrapped.{name}");
            check_name(&name).map_err(|e| e.field(&field))?;
            let bytes = unb64(&field, &text)?;
            check_wrapped_len(&field, &bytes)?;
            wrapped.push((name, bytes));
        }
        let escrow = match self.escrow {
            Some(text) => {
                let bytes = unb64("escrow", &text)?;
                check_wrapped_len("escrow", &bytes)?;
                Some(bytes)
            }
            None => None,
        };
        let salt = self.salt.map(|text| unb64("salt", &text)).transpose()?;
        if salt.as_ref().is_some_and(|salt| salt.len() >= KEY_LEN) {
            return Err(InputError::new(format!(
                "must be shorter than the {KEY_LEN}-byte content key it is part of"
            ))
            .field("salt"));
        }
        let leaf = self.leaf.map(|text| unb64("leaf", &text)).transpose()?;
        if leaf
            .as_ref()
            .is_some_and(|leaf| leaf.len() > MAX_WRAPPED_LEN)
        {
            return Err(InputError::new("is too long to be a LEAF").field("leaf"));
        }
        let rnd = self.rnd.map(|text| bytes32("rnd", &text)).transpose()?;
        let wrf = match self.wrf {
            Some(text) => {
                let bytes = unb64("wrf", &text)?;
                check_wrapped_len("wrf", &bytes)?;
                Some(bytes)
            }
            None => None,
        };
        let mut ratchet = Vec::new();
        for (name, wire) in self.ratchet.map(|l| l.0).unwrap_or_default() {
            let field = format!("ratchet.{name}");
            check_name(&name).map_err(|e| e.field(&field))?;
            if !to.contains(&name) {
                return Err(
                    InputError::new(format!("{name} is not a recipient of this message"))
                        .field(&field)
                        .hint("a ratchet entry is addressed to one of the names in \"to\""),
                );
            }
            ratchet.push((name, wire.parse(&field)?));
        }
        let sender_key = self.sender_key.map(|h| SenderKeyHeader {
            id: h.id,
            iteration: h.iteration,
        });
        if self.session.is_none()
            && wrapped.is_empty()
            && escrow.is_none()
            && ratchet.is_empty()
            && sender_key.is_none()
        {
            return Err(InputError::new(
                "has no wrapped keys and no session: no one could ever open it",
            )
            .field("wrapped"));
        }
        Ok(Envelope {
            id,
            t,
            from,
            to,
            scheme,
            session: self.session,
            nonce,
            ct,
            wrapped,
            escrow,
            salt,
            leaf,
            rnd,
            wrf,
            ratchet,
            sender_key,
        })
    }
}

fn check_wrapped_len(field: &str, bytes: &[u8]) -> Result<(), InputError> {
    if bytes.is_empty() || bytes.len() > MAX_WRAPPED_LEN {
        return Err(InputError::new(format!(
            "is {} bytes; a wrapped key is as long as the RSA modulus (256 bytes for RSA-2048)",
            bytes.len()
        ))
        .field(field));
    }
    Ok(())
}

/// What names the entries of one object field, for its errors.
trait EntryNames {
    /// The field: `wrapped`.
    const FIELD: &'static str;
    /// What a key is: `reader`.
    const KEY: &'static str;
    /// What serde says it expected.
    const EXPECTING: &'static str;
}

/// `wrapped`: reader names to base64 strings.
struct Readers;
impl EntryNames for Readers {
    const FIELD: &'static str = "wrapped";
    const KEY: &'static str = "reader";
    const EXPECTING: &'static str = "an object mapping reader names to base64 strings";
}

/// `ratchet`: recipient names to ratchet entries.
struct Recipients;
impl EntryNames for Recipients {
    const FIELD: &'static str = "ratchet";
    const KEY: &'static str = "recipient";
    const EXPECTING: &'static str = "an object mapping recipient names to ratchet entries";
}

/// A JSON object read as an ordered list of pairs, refusing a key named twice (which
/// serde would otherwise let the last one win, silently).
struct UniqueEntries<V, N>(Vec<(String, V)>, std::marker::PhantomData<N>);

impl<'de, V: Deserialize<'de>, N: EntryNames> Deserialize<'de> for UniqueEntries<V, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V, N>(std::marker::PhantomData<(V, N)>);
        impl<'de, V: Deserialize<'de>, N: EntryNames> Visitor<'de> for EntriesVisitor<V, N> {
            type Value = UniqueEntries<V, N>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(N::EXPECTING)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, V)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format!(
                            "{} {key:?} appears twice in \"{}\"",
                            N::KEY,
                            N::FIELD
                        )));
                    }
                    entries.push((key, value));
                }
                Ok(UniqueEntries(entries, std::marker::PhantomData))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Envelope {
        Envelope {
            id: "m000001".into(),
            t: 1,
            from: "alice".into(),
            to: vec!["bob".into(), "carol".into()],
            scheme: SchemeId::GoldenKey,
            session: None,
            nonce: [1; 12],
            ct: vec![2; 20],
            wrapped: vec![("alice".into(), vec![3; 256]), ("bob".into(), vec![4; 256])],
            escrow: Some(vec![5; 256]),
            salt: None,
            leaf: None,
            rnd: None,
            wrf: None,
            ratchet: Vec::new(),
            sender_key: None,
        }
    }

    #[test]
    fn aad_matches_the_spec() {
        assert_eq!(sample().aad(), b"doormat/1\nm000001\nalice\nbob,carol");
    }

    #[test]
    fn json_round_trip_keeps_field_order() {
        let e = sample();
        let line = e.to_json_line();
        assert!(line.starts_with(r#"{"v":1,"id":"m000001","t":1,"from":"alice","to":["bob","carol"],"scheme":"golden-key","nonce":"#));
        let wrapped_at = line.find("\"wrapped\":{\"alice\"").unwrap();
        assert!(line.find("\"bob\":\"").unwrap() > wrapped_at);
        assert_eq!(Envelope::parse_json(&line).unwrap(), e);
    }

    #[test]
    fn rnd_round_trips_as_32_bytes() {
        let mut e = sample();
        e.scheme = SchemeId::DualEc;
        e.escrow = None;
        e.rnd = Some([9; RND_LEN]);
        let line = e.to_json_line();
        assert!(
            line.contains(&format!("\"rnd\":\"{}\"", b64(&[9; RND_LEN]))),
            "{line}"
        );
        assert_eq!(Envelope::parse_json(&line).unwrap(), e);
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let mut value: serde_json::Value = serde_json::from_str(&sample().to_json_line()).unwrap();
        value["from_the_future"] = serde_json::json!({"x": [1, 2, 3]});
        assert_eq!(Envelope::parse_json(&value.to_string()).unwrap(), sample());
    }

    fn refused(edit: impl FnOnce(&mut serde_json::Value)) -> InputError {
        let mut value: serde_json::Value = serde_json::from_str(&sample().to_json_line()).unwrap();
        edit(&mut value);
        Envelope::parse_json(&value.to_string()).unwrap_err()
    }

    #[test]
    fn refusals_name_the_field() {
        type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("v", Box::new(|v| v["v"] = 2.into())),
            ("nonce", Box::new(|v| v["nonce"] = "AAAA".into())),
            ("nonce", Box::new(|v| v["nonce"] = "not base64!".into())),
            ("ct", Box::new(|v| v["ct"] = "AAAA".into())),
            (
                "wrapped.bob",
                Box::new(|v| v["wrapped"]["bob"] = "%%%".into()),
            ),
            (
                "wrapped.../x",
                Box::new(|v| v["wrapped"]["../x"] = "AAAA".into()),
            ),
            ("from", Box::new(|v| v["from"] = "../../etc".into())),
            ("to", Box::new(|v| v["to"] = serde_json::json!([]))),
            (
                "to[1]",
                Box::new(|v| v["to"] = serde_json::json!(["bob", "bob"])),
            ),
            (
                "id",
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("id");
                }),
            ),
            ("escrow", Box::new(|v| v["escrow"] = "".into())),
            ("scheme", Box::new(|v| v["scheme"] = "golden".into())),
            ("rnd", Box::new(|v| v["rnd"] = "AAAA".into())),
            ("rnd", Box::new(|v| v["rnd"] = "not base64!".into())),
            ("wrf", Box::new(|v| v["wrf"] = "".into())),
        ];
        for (field, edit) in cases {
            let e = refused(edit);
            assert_eq!(e.field.as_deref(), Some(field), "{e}");
        }
    }

    #[test]
    fn duplicate_readers_are_refused() {
        let line = sample().to_json_line().replace("\"bob\":", "\"alice\":");
        let e = Envelope::parse_json(&line).unwrap_err();
        assert!(
            e.problem
                .contains("reader \"alice\" appears twice in \"wrapped\""),
            "{e}"
        );
        // A ratchet recipient named twice, in an envelope of the forward-secret design.
        let entry =
            r#"{"dh":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","pn":0,"n":0,"key":"AA=="}"#;
        let line = sample().to_json_line().replacen(
            "\"wrapped\":",
            &format!("\"ratchet\":{{\"bob\":{entry},\"bob\":{entry}}},\"wrapped\":"),
            1,
        );
        let e = Envelope::parse_json(&line).unwrap_err();
        assert!(
            e.problem
                .contains("recipient \"bob\" appears twice in \"ratchet\""),
            "{e}"
        );
    }
}
