//! Words the text and HTML renderers share, so that a heading or a count reads the same
//! in both. The values come typed from the demo engine and the attacks; only this layer
//! turns them into sentences.

use crate::attacks::BlastRadius;
use crate::demo::{Sample, Scope};

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
