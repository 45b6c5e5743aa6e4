//! Words the text and HTML renderers share, so that a heading or a count reads the same
//! in both. The values come typed from the demo engine and the attacks; only this layer
//! turns them into sentences.

use crate::attacks::{BlastRadius, RecoverReport};
use crate::demo::{Sample, Scope};
use crate::schemes::finding::Finding;

/// The heading over a [`crate::demo::Block::Radius`]: what `who` opened.
pub fn radius_heading(who: &str, holding: &[String], design: Option<&str>, scope: Scope) -> String {
    // "can open" and "can read": no verb to agree with "intruders" or "rogue code".
    let mut heading = format!("What {who} can open");
    if scope == Scope::ThisAct {
        heading.push_str(" of the messages sent in this act");
    }
    if let Some(design) = design {
        heading.push_str(&format!(" in design {design}"));
    }
    if !holding.is_empty() {
        heading.push_str(&format!(", holding {}", holding.join("; ")));
    }
    heading
}

/// The heading over a [`crate::demo::Block::Recovered`].
pub fn recovered_heading(who: &str, sample: Sample) -> String {
    match sample {
        Sample::Telling => format!("A few of the messages {who} can read"),
        Sample::Unwarranted => format!("Messages {who} can read that no warrant names"),
    }
}

/// The heading over a [`crate::demo::Block::Timeline`].
pub fn timeline_heading(user: &str) -> String {
    format!("What opened of {user}'s messages, over time")
}

/// "Users fully exposed" and "users touched", as one definition for every renderer: a
/// user is fully exposed when every message they sent or received opened, touched when
/// at least one did. The pair of counts, and the total they are counts of.
pub fn user_counts(radius: &BlastRadius) -> UserCounts {
    UserCounts {
        fully_exposed: radius.users_fully_exposed.len() as u64,
        touched: radius.users_exposed.len() as u64,
        total: radius.users_total,
    }
}

/// What a timed figure carries after its value, in text and on the page.
pub const MEASURED_HERE: &str = "(measured here)";

/// What a search row of the who-can-read-what counts (see
/// [`MatrixRow::searched`](crate::demo::MatrixRow::searched)).
pub fn searched_row(name: &str, searched: &crate::demo::Searched) -> String {
    format!(
        "{name}: share of the {} messages its searches tried, of {} recorded",
        searched.tried, searched.recorded
    )
}

/// Refuses a key search of `bits` that may run past ten minutes unless `--yes` was
/// given (`yes`), saying how long it could take; otherwise what it should take, for
/// whoever waits (on stderr, with `--json` too).
pub fn confirm_search(
    estimate: &crate::attacks::brute_force::Estimate,
    bits: u32,
    yes: bool,
) -> Result<String, crate::error::InputError> {
    let rate = super::text::group_digits(estimate.keys_per_second as u64);
    let average = crate::demo::duration(estimate.average_seconds);
    let worst = crate::demo::duration(estimate.worst_seconds);
    if estimate.needs_confirmation() && !yes {
        return Err(crate::error::InputError::new(format!(
            "searching all 2^{bits} keys could take {worst} here (about {average} on average, at {rate} keys/s)"
        ))
        .field("--yes")
        .hint("add --yes to run it, or --sample 30 to time 30 seconds of it and extrapolate"));
    }
    Ok(format!(
        "  expected: {average} on average, {worst} at most\n  ({} keys at {rate} keys/s, {} threads)",
        super::text::power_of_two(bits),
        estimate.threads,
    ))
}

/// `seconds` since something began, as a log's clock shows it: `01:02:03`.
pub fn clock(seconds: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// The line that names the machine a run's timed figures come from.
pub fn measured_on(machine: &crate::bench::Machine) -> String {
    format!(
        "Figures marked {MEASURED_HERE} were timed in this run on {}, {} logical cores ({} {}).",
        machine.cpu, machine.cores, machine.os, machine.arch
    )
}

/// See [`user_counts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserCounts {
    /// Users every one of whose messages opened.
    pub fully_exposed: u64,
    /// Users at least one of whose messages opened.
    pub touched: u64,
    /// Users in the world.
    pub total: u64,
}

/// The label of [`UserCounts::fully_exposed`] in tables and lists.
pub const USERS_FULLY_EXPOSED: &str = "users fully exposed";
/// The label of [`UserCounts::touched`] in tables and lists.
pub const USERS_TOUCHED: &str = "users touched";

/// One step of `recover`, in a sentence: the same in text, HTML and the JSON's `notes`.
pub fn finding(finding: &Finding) -> String {
    match finding {
        Finding::IdentityKeyAlone { party } => format!(
            "{party}'s identity key: it signs prekeys and enters X3DH, but every message key also depends on ephemeral and ratchet keys it never saw, so it opens nothing by itself"
        ),
        Finding::DeviceKeyCopied { user, t } => format!(
            "{user}'s device, copied just after t={t}: its RSA private key opens every message {user} ever sent or received, before and after"
        ),
        Finding::DeviceStateCopied {
            user,
            t,
            unused_prekeys,
            sessions,
            skipped_keys,
            sender_chains,
        } => format!(
            "{user}'s device, copied just after t={t}: identity key, {unused_prekeys} unused one-time prekeys, {sessions} ratchet sessions, {skipped_keys} skipped message keys{}",
            if *sender_chains > 0 {
                format!(", {sender_chains} sender chains")
            } else {
                String::new()
            }
        ),
        Finding::SharesCombined {
            shares,
            fingerprint,
        } => format!(
            "{shares} agents' shares combined into the whole escrow key ({fingerprint}): the place that combines them for a warrant holds the golden key"
        ),
        Finding::FamilyKeyAlone => "family key alone: every LEAF names its device, but no content opens (see doormat attack leaf-metadata)".to_owned(),
        Finding::DeviceKeysFromHalves { devices } => {
            let one = devices.len() == 1;
            format!(
                "both agents released their halves for {}: the combined unit key{} open{} every message {} sent, before and after any warrant, for good",
                devices.join(", "),
                if one { "" } else { "s" },
                if one { "s" } else { "" },
                if one { "that device" } else { "those devices" },
            )
        }
        Finding::VaultOpened {
            device_keys,
            routine_requests,
            request_log,
        } => {
            let served = match routine_requests {
                Some(requests) => format!(
                    "the same vault key had already served {requests} routine requests ({request_log})"
                ),
                None => format!("its request log ({request_log}) is missing"),
            };
            format!("provider vault opened: {device_keys} device keys; {served}")
        }
        Finding::VaultKeyAlone { phones_dir } => format!(
            "the vault key alone opens nothing that was recorded: CLEAR covers data stored on phones, and every phone that falls into your hands opens (add --phone {phones_dir}/NAME.json)"
        ),
        Finding::PhoneLocked { user } => format!(
            "{user}'s phone: locked; its passcode blob opens only with the vendor's vault key"
        ),
        Finding::PhoneUnlocked { user } => format!(
            "{user}'s phone: the vault key decrypts its blob to the passcode, the passcode unseals its storage, and its key opens its whole stored history; a real phone would now be bricked, which stops no thief"
        ),
    }
}

/// `recover --json`: the report's values, each finding both typed (`findings`) and in
/// the words the text shows (`notes`, as docs/json.md has always given it).
impl serde::Serialize for RecoverReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Json<'a> {
            #[serde(serialize_with = "crate::fsutil::serialize_path_lossy")]
            world: &'a std::path::Path,
            scheme: crate::schemes::SchemeId,
            keys: &'a [crate::attacks::KeyHeld],
            notes: Vec<String>,
            findings: &'a [Finding],
            #[serde(flatten)]
            radius: &'a BlastRadius,
            #[serde(
                skip_serializing_if = "Option::is_none",
                serialize_with = "crate::fsutil::serialize_option_path_lossy"
            )]
            out: &'a Option<std::path::PathBuf>,
        }
        Json {
            world: &self.world,
            scheme: self.scheme,
            keys: &self.keys,
            notes: self.findings.iter().map(finding).collect(),
            findings: &self.findings,
            radius: &self.radius,
            out: &self.out,
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heading_names_its_design_and_holdings_once() {
        let holding = [
            "vendor key".to_owned(),
            "carol's phone at t=5 (unlocked)".to_owned(),
        ];
        let h = radius_heading("thief", &holding, Some("clear"), Scope::Recording);
        assert_eq!(
            h,
            "What thief can open in design clear, holding vendor key; carol's phone at t=5 (unlocked)"
        );
        let h = radius_heading("attacker", &[], None, Scope::ThisAct);
        assert_eq!(h, "What attacker can open of the messages sent in this act");
        assert_eq!(
            recovered_heading("attacker", Sample::Telling),
            "A few of the messages attacker can read"
        );
    }
}
