//! A demo's facts in words: the one place that words what the engine states as values
//! ([`Said`]). The text, the page and the JSON's `label` and `value` all come from
//! [`said`], so that the three cannot word a fact differently; the JSON also carries
//! the values themselves under `said`.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::demo::said::{
    Held, Holdings, NoKey, PartyHolds, PartyKey, Said, ScanMatch, Shown, WarrantAnswer,
};
use crate::demo::{duration, Fact};

/// A fact's label and its value, in words.
pub fn said(said: &Said) -> (String, String) {
    use Said::*;
    let words = |label: &str, value: String| (label.to_owned(), value);
    match said {
        Sent {
            messages,
            first,
            last,
            one_to_one,
        } => words(
            "sent",
            format!(
                "{messages} messages, t={first}..{last} ({one_to_one} one-to-one, {} in groups)",
                messages - one_to_one
            ),
        ),
        SealedUnderEach { designs } => words(
            "sealed",
            format!(
                "the same words, once under each design: {}",
                list(designs.iter().map(|d| d.as_str()))
            ),
        ),
        Recorded => words("recorded", "every envelope, by the tap".into()),
        PhotoSent { user, to, id } => words("sent", format!("by {user} to {}, as {id}", to.join(", "))),
        HoldsBackdoor {
            design,
            to,
            party,
            material,
        } => (
            design.to_string(),
            format!("{to} now holds {party}'s {material}: it predicts devices that use its Q"),
        ),
        NoKeyToCopy { design, party, why } => (
            design.to_string(),
            match why {
                NoKey::NotYetWhole => "the whole key exists nowhere yet: nothing to copy".into(),
                NoKey::OnDevices => format!("there is no long-term {party} key that opens messages"),
                NoKey::NoSuchKey => format!("there is no {party} key in this design"),
            },
        ),
        KeyFileStolen { party, bytes } => {
            words("stolen", format!("{party}.pem, one file of {bytes} bytes"))
        }
        Fingerprint { fingerprint } => words("fingerprint", fingerprint.clone()),
        NowHeldBy { holder } => words("now held by", holder.clone()),
        DeviceState {
            design,
            sessions,
            skipped_keys,
            unused_prekeys,
            sender_chains,
        } => (
            design.to_string(),
            format!(
                "identity key, {}, {}, {}{}",
                plural(*sessions, "ratchet session"),
                plural(*skipped_keys, "skipped message key"),
                plural(*unused_prekeys, "unused one-time prekey"),
                if *sender_chains > 0 {
                    format!(", {}", plural(*sender_chains, "sender chain"))
                } else {
                    String::new()
                }
            ),
        ),
        PhoneKeyFile { designs, user } => (
            list(designs.iter().map(|d| d.as_str())),
            format!("{user}.pem: one RSA-2048 private key"),
        ),
        PhoneTaken { user, t, by, locked } => words(
            "taken",
            if *locked {
                format!("{user}'s phone, locked, just after t={t}, by {by}")
            } else {
                format!("{user}'s phone, just after t={t}, by {by}")
            },
        ),
        PasscodeOnPhone { design } => (
            design.to_string(),
            "its passcode sits on it, in a blob only the vendor's vault key opens".into(),
        ),
        PhoneStaysLocked { design } => (
            design.to_string(),
            "its storage opens only with the passcode, which no one else has".into(),
        ),
        PhoneOpened { user, t } => (
            format!("{user}'s phone"),
            format!("vault key → passcode → storage: {user}'s history to t={t}; it bricks itself, which stops no thief"),
        ),
        NewEscrowKey { fingerprint } => words("new escrow key", fingerprint.clone()),
        WrapsFrom { from } => words("wraps", format!("messages from t={from} on")),
        RecordedBefore { messages } => words(
            "recorded before",
            format!("{messages} messages, still wrapped for the old key"),
        ),
        NoExceptionalAccess { design } => (
            design.to_string(),
            "no exceptional access: the provider has nothing to hand over".into(),
        ),
        Warrant {
            design,
            target,
            answer,
        } => (design.to_string(), warrant_answer(target, answer)),
        TargetReadable {
            target,
            who,
            read,
            total,
        } => (
            format!("{target}'s messages"),
            format!("{read} of {total} readable by {who}"),
        ),
        OthersReadable {
            unwarranted,
            read,
            total,
        } => words(
            if *unwarranted {
                "under no warrant"
            } else {
                "everyone else's"
            },
            format!("{read} of {total}, with the same access"),
        ),
        AccessLog { entries } => words(
            "access log",
            match entries {
                Some(n) => format!("{} written, none citing a warrant", plural(*n, "entry")),
                None => "nothing written: the access went around the logging".into(),
            },
        ),
        InterceptionTaken { by } => words(
            "taken",
            format!("the interception system's access, by {by}"),
        ),
        WarrantTargets { targets } => words(
            "targets",
            if targets.is_empty() {
                "(no warrants yet)".into()
            } else {
                list(targets.iter().map(|w| {
                    format!("{} (W-{}, since t={})", w.user, w.warrant, w.since)
                }))
            },
        ),
        LearnsTheWatchlist => words(
            "meaning",
            "the attacker learns whom the authority is watching".into(),
        ),
        AddedTargets { targets } => words("added targets", targets.join(", ")),
        CopiesGoTo { to, from } => words("copies go to", format!("{to}, from t={from}")),
        LogEntries { entries } => words(
            "log entries",
            match entries {
                Some(n) => n.to_string(),
                None => "0: the interception log stays empty".into(),
            },
        ),
        Forgeries { trials } => words(
            "forgeries",
            format!("{trials}, each until the 16-bit check passed"),
        ),
        TriesPerForgery {
            mean,
            expected,
            min,
            max,
        } => words(
            "tries, mean",
            format!("{mean:.0} (2^16 = {expected} expected; min {min}, max {max})"),
        ),
        ReceiverAccepted { accepted, trials } => words(
            "receiver accepted",
            format!("{accepted} of {trials}: the rogue pair talks on"),
        ),
        AgentsRecovered { recovered, trials } => words(
            "agents recovered the key",
            format!("{recovered} of {trials} forged LEAFs"),
        ),
        HonestLeafRecovered { recovered, trials } => words(
            "an honest device's LEAF",
            format!("{recovered} of {trials} recovered"),
        ),
        Took { seconds } => words("took", duration(*seconds)),
        HoldsNoKey { holder, key } => (
            holder.clone(),
            format!("holds no {key} key: every secret bit is left to search"),
        ),
        KeySpace { bits } => words(
            "key space",
            format!("2^{bits} = {} keys per message", 1u64 << bits),
        ),
        Cracked { ids, of } => words(
            "cracked",
            format!("{} of {of} messages: {}", ids.len(), ids.join(", ")),
        ),
        TookAllCores { seconds } => words("took", format!("{}, all cores", duration(*seconds))),
        SearchTheRest { messages, seconds } => words(
            "the rest",
            format!(
                "{messages} more recorded messages: about {} at this rate",
                duration(*seconds)
            ),
        ),
        Rate { keys_per_second } => words("rate", format!("{} keys/s", rate(*keys_per_second))),
        LongerKey { bits, seconds } => (
            format!("{bits}-bit keys"),
            format!("{} per message, on average", duration(*seconds)),
        ),
        DeviceSearched {
            holder,
            device,
            tried,
            seconds,
        } => (
            format!("{holder}'s search"),
            format!("{device}'s phone: {tried} x-coordinates, {seconds:.1} s"),
        ),
        OthersNotSearched {
            holder,
            devices,
            mean_seconds,
        } => (
            format!("{holder}, the others"),
            format!(
                "{}: the same search each{}, not run live",
                devices.join(", "),
                if *mean_seconds > 0.0 {
                    format!(", about {mean_seconds:.1} s")
                } else {
                    String::new()
                }
            ),
        ),
        Notice {
            t,
            user,
            notice,
            conversation,
        } => (
            format!("t={t} {user}"),
            format!("{notice} ({})", conversation.join(", ")),
        ),
        NoNotices => words("notices", "none: no client noticed anything".into()),
        MadeImage {
            forged: false,
            picture,
            psnr_db,
        } => words(
            "edited",
            format!("{picture}: PSNR {psnr_db:.1} dB against the original (30 and above: hard to see)"),
        ),
        MadeImage {
            forged: true,
            picture,
            psnr_db,
        } => words(
            "forged",
            format!("looks like {picture}: PSNR {psnr_db:.1} dB against it"),
        ),
        HashDistance {
            aim,
            distance,
            threshold,
        } => words(
            "its hash",
            format!("{distance} bits from {aim}'s (a match: {threshold} or less)"),
        ),
        ComputedIn { seconds } => words("computed in", duration(*seconds)),
        Picture { shows, .. } => words("picture", picture_caption(shows)),
        Scanned { user, report } => words(
            "reported",
            match report {
                Some(ScanMatch {
                    entry,
                    distance,
                    true_match: true,
                }) => format!("YES: {user}, to the provider; matches {entry} at {distance} bits"),
                Some(ScanMatch {
                    entry, distance, ..
                }) => format!(
                    "YES: {user}, to the provider, for {entry} at {distance} bits: a FALSE report"
                ),
                None => format!("NO: {user}'s phone found no match and sent the image sealed"),
            },
        ),
        ListPoisoned {
            picture,
            by,
            entries,
        } => words(
            "added",
            format!("{picture}'s hash, by {by}: the list now holds {entries} entries"),
        ),
        ScannedAgain { images } => words(
            "scanned again",
            format!("{images} images the phones had sent"),
        ),
        Exposed {
            users,
            of,
            sightings,
        } => words(
            "exposed",
            if users.is_empty() {
                format!("0 of {of} users: no one had shared it")
            } else {
                format!(
                    "{} of {of} users, {}: {}",
                    users.len(),
                    users.join(", "),
                    list(sightings.iter().map(|s| format!("{} t={}", s.sender, s.t)))
                )
            },
        ),
        FalseReports { reports } => words("false reports", reports.to_string()),
        NoReports => words("reports", "none yet".into()),
        Report {
            t,
            sender,
            matched,
            picture,
        } => (
            format!("t={t} {sender}"),
            format!(
                "REPORTED: {} at {} bits, {}",
                matched.entry,
                matched.distance,
                if matched.true_match {
                    format!("a copy of {picture}")
                } else {
                    format!("FALSE: it was {picture}")
                }
            ),
        ),
        ReportsInAll {
            reports,
            images,
            false_reports,
        } => words(
            "in all",
            format!(
                "{reports} report{} of {images} images sent, {false_reports} false",
                if *reports == 1 { "" } else { "s" }
            ),
        ),
        Vouchers { opened, of } => words(
            "vouchers",
            format!("{opened} of {of} open with the provider's key: the images themselves"),
        ),
        Told { label, value } => (label.clone(), value.clone()),
    }
}

/// What a design did with a warrant for `target`.
fn warrant_answer(target: &str, answer: &WarrantAnswer) -> String {
    match answer {
        WarrantAnswer::SharesCombined { agents } => format!(
            "agents 1 to {agents} bring their shares together: the whole escrow key, in one place"
        ),
        WarrantAnswer::DeviceKeyHalves => format!(
            "both agents release {target}'s unit key halves; XORed, they open what {target}'s device sends"
        ),
        WarrantAnswer::VaultOpened { fingerprint } => format!(
            "the provider opens its copy of {target}'s key, without the phone: {fingerprint}"
        ),
        WarrantAnswer::PhoneSpent => format!(
            "{target}'s phone was bricked by an earlier unlock: what it held then is all there is"
        ),
        WarrantAnswer::PhoneUnlocked { t } => format!(
            "police bring {target}'s phone; the vendor's vault key decrypts its blob to the passcode, the phone unlocks its history to t={t}, then bricks itself for good"
        ),
        WarrantAnswer::GhostJoins { from } => {
            format!("from t={from} the relay adds the ghost to {target}'s conversations")
        }
        WarrantAnswer::EscrowKeyOpens => "the escrow key opens the target's messages".into(),
    }
}

/// What a row holds, one item in words each: no item holds a comma or a semicolon, so a
/// renderer may list them either way.
pub fn holdings(holdings: &Holdings) -> Vec<String> {
    holdings.0.iter().map(held).collect()
}

fn held(held: &Held) -> String {
    match held {
        Held::UserKeys { count } => format!("{count} users' keys"),
        Held::UserKey { party } => format!("{party}'s key"),
        Held::Key { party } => format!("{party} key"),
        Held::PhoneCopy { user, t } => format!("{user}'s phone at t={t}"),
        Held::PhoneSeized { user, t, unlocked } => format!(
            "{user}'s phone at t={t} ({})",
            if *unlocked { "unlocked" } else { "locked" }
        ),
        Held::UnitKeys { devices } => format!("unit keys of {}", and_list(devices)),
        Held::BruteForced { count } => format!("{count} brute-forced"),
        Held::TrafficCopies { targets } => format!("copies of {}'s traffic", and_list(targets)),
        Held::InOrder { party, material } => format!("{party}'s {material}"),
        Held::Pieces { count, noun } => format!("{count} {noun}(s)"),
    }
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A party's key in words: "RSA-2048 sha256:1a2b3c4d"; empty for none.
pub fn party_key(key: &PartyKey) -> String {
    match key {
        PartyKey::Rsa { bits, fingerprint } => format!("RSA-{bits} {fingerprint}"),
        PartyKey::DeviceKeys => "Ed25519 + X25519".into(),
        PartyKey::Named(name) => (*name).to_owned(),
        PartyKey::None => String::new(),
    }
}

/// What a party holds, in a few words.
pub fn party_holds(holds: &PartyHolds) -> String {
    match holds {
        PartyHolds::OwnMessages => "own messages".into(),
        PartyHolds::Recording => "a recording of all traffic".into(),
        PartyHolds::Named(what) => (*what).to_owned(),
    }
}

impl Serialize for PartyKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        party_key(self).serialize(serializer)
    }
}

impl Serialize for PartyHolds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        party_holds(self).serialize(serializer)
    }
}

/// The JSON's `holding`: the items in words, as a heading lists them.
impl Serialize for Holdings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        holdings(self).serialize(serializer)
    }
}

fn list<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    items
        .map(|s| s.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// "1 entry", "3 entries", "2 ratchet sessions".
fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else if let Some(stem) = noun.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {noun}s")
    }
}

/// "2.4 million", "830 thousand".
fn rate(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.1} million", rate / 1e6)
    } else {
        format!("{:.0} thousand", rate / 1e3)
    }
}

/// What a picture of the story shows, in a few words: its caption.
pub fn picture_caption(shows: &Shown) -> String {
    match shows {
        Shown::Listed { picture } => format!("{picture}, whose hash the list holds"),
        Shown::Edited { picture } => format!("{picture}, edited just enough to escape the list"),
        Shown::Forged { picture, target } => {
            format!("looks like {picture}, forged to hash like {target}")
        }
        Shown::Original { picture } => format!("{picture}, as it was"),
    }
}

/// A fact as programs read it: its words (`label`, `value`), its mark, the number it
/// states, and what it says as values (`said`).
impl Serialize for Fact {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (label, value) = said(&self.said);
        let fields = 4 + usize::from(self.quantity.is_some());
        let mut out = serializer.serialize_struct("Fact", fields)?;
        out.serialize_field("label", &label)?;
        out.serialize_field("value", &value)?;
        out.serialize_field("open", &self.open)?;
        if let Some(quantity) = &self.quantity {
            out.serialize_field("quantity", quantity)?;
        }
        out.serialize_field("said", &self.said)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each fact's words come from its values: a count says its count, a list its
    /// members, and the forms that depend on a value (one entry, nothing logged) choose
    /// by it.
    #[test]
    fn words_follow_the_values() {
        let (label, value) = said(&Said::AccessLog { entries: Some(1) });
        assert_eq!(
            (label.as_str(), value.as_str()),
            ("access log", "1 entry written, none citing a warrant")
        );
        assert_eq!(
            said(&Said::AccessLog { entries: Some(3) }).1,
            "3 entries written, none citing a warrant"
        );
        assert!(said(&Said::AccessLog { entries: None })
            .1
            .starts_with("nothing written"));
        assert_eq!(
            said(&Said::Cracked {
                ids: vec!["m1".into(), "m4".into()],
                of: 3
            })
            .1,
            "2 of 3 messages: m1, m4"
        );
        assert_eq!(
            said(&Said::WarrantTargets { targets: vec![] }).1,
            "(no warrants yet)"
        );
        assert_eq!(
            said(&Said::Rate {
                keys_per_second: 2.44e6
            })
            .1,
            "2.4 million keys/s"
        );
    }

    /// The JSON keeps its `label` and `value` and adds the values, tagged by kind.
    #[test]
    fn json_has_the_words_and_the_values() {
        let fact = Fact::new(Said::KeySpace { bits: 16 }).measuring(65536.0, "keys");
        let json = serde_json::to_value(&fact).unwrap();
        assert_eq!(json["label"], "key space");
        assert_eq!(json["value"], "2^16 = 65536 keys per message");
        assert_eq!(json["said"]["kind"], "key-space");
        assert_eq!(json["said"]["bits"], 16);
        assert_eq!(json["quantity"]["n"], 65536);
        assert!(json["open"].is_null());
    }
}
