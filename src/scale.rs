//! "What would this cost at WhatsApp scale?": measured per-core rates, projected onto a
//! day of traffic, with the arithmetic written out so that anyone can check it.
//!
//! Pure arithmetic: the rates come from [`crate::bench::measure_rates`], from a saved
//! `doormat bench --json` (which records the same rates), or from flags.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::error::InputError;

/// About 100 billion messages a day (WhatsApp, as Facebook reported in October 2020;
/// docs/references.md).
pub const WHATSAPP_MESSAGES_PER_DAY: f64 = 100e9;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// What the projection starts from.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleInputs {
    /// Messages a day to read.
    pub messages_per_day: f64,
    /// Messages per content key under per-session keying.
    pub session_size: u64,
    /// RSA-OAEP decryptions (escrow unwraps) per core-second.
    pub rsa_decrypts_per_core_second: f64,
    /// AES-256-GCM opens of one message per core-second.
    pub aes_opens_per_core_second: f64,
    /// Brute-force key trials per core-second (`doormat attack brute-force`'s search).
    pub key_trials_per_core_second: f64,
    /// Cloud price of one core-hour, if the user gives one: doormat has no source for a
    /// price, so it prints none of its own.
    pub usd_per_core_hour: Option<f64>,
    /// Short-key sizes to project.
    pub bits: Vec<u32>,
    /// Where the rates came from ("measured here: ..." or "given").
    pub rates_from: String,
}

/// What `doormat scale` is given: each rate it is not given is measured here.
#[derive(Debug, Clone, Default)]
pub struct ScaleFlags {
    /// Messages a day (WhatsApp's, [`WHATSAPP_MESSAGES_PER_DAY`], if not given).
    pub messages_per_day: Option<f64>,
    /// Messages per content key for the per-session line.
    pub session_size: u64,
    /// RSA-OAEP decryptions per core-second.
    pub rsa_per_second: Option<f64>,
    /// AES-256-GCM opens per core-second.
    pub aes_per_second: Option<f64>,
    /// Brute-force key trials per core-second.
    pub trials_per_second: Option<f64>,
    /// Price of a core-hour, if any.
    pub usd_per_core_hour: Option<f64>,
    /// Short-key sizes (24, 32, 40 and 56 if none).
    pub bits: Vec<u32>,
    /// A saved `doormat bench --json` to take the rates from, where no flag gives them.
    pub rates_file: Option<PathBuf>,
}

/// One core's rates read from a saved `doormat bench --json`, and what they ran on.
struct SavedRates {
    rsa: f64,
    aes: f64,
    trials: f64,
    from: String,
}

impl SavedRates {
    /// Reads the `rates` a bench report saved, each checked.
    fn read(path: &Path) -> crate::error::Result<SavedRates> {
        const HINT: &str = "save one with: doormat bench --json > bench.json";
        let text = crate::fsutil::read_small_text(path, "a saved doormat bench --json")?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| {
            InputError::new(format!("is not JSON: {e}"))
                .file(path)
                .line(e.line() as u64)
                .hint(HINT)
        })?;
        let Some(rates) = doc.get("rates").filter(|r| r.is_object()) else {
            return Err(
                InputError::new("holds no rates: is it a doormat bench --json?")
                    .file(path)
                    .field("rates")
                    .hint(HINT)
                    .into(),
            );
        };
        let rate = |name: &str| -> Result<f64, InputError> {
            rates
                .get(name)
                .and_then(Value::as_f64)
                .filter(|r| r.is_finite() && *r > 0.0)
                .ok_or_else(|| {
                    InputError::new("is not a positive number")
                        .file(path)
                        .field(format!("rates.{name}"))
                        .hint(HINT)
                })
        };
        let machine = |name: &str| doc.get("machine").and_then(|m| m.get(name)).cloned();
        let cpu = machine("cpu").and_then(|c| c.as_str().map(str::to_owned));
        let cores = machine("cores").and_then(|c| c.as_u64());
        let backend = rates.get("backend").and_then(Value::as_str).unwrap_or("?");
        Ok(SavedRates {
            rsa: rate("rsa_decrypts")?,
            aes: rate("aes_opens")?,
            trials: rate("key_trials")?,
            from: format!(
                "from {}, one thread, RSA on {backend} ({}, {} cores)",
                path.display(),
                cpu.as_deref().unwrap_or("an unnamed CPU"),
                cores.map_or_else(|| "?".to_owned(), |c| c.to_string())
            ),
        })
    }
}

impl ScaleInputs {
    /// The inputs `flags` give, with the rates they leave out measured on this machine
    /// (three rates in about 0.2 s each: under the second after which a bar is due).
    pub fn from_flags(flags: &ScaleFlags) -> crate::error::Result<ScaleInputs> {
        let saved = flags
            .rates_file
            .as_deref()
            .map(SavedRates::read)
            .transpose()?;
        // A flag wins over the saved rate, and either over measuring here.
        let given = [
            flags.rsa_per_second.or(saved.as_ref().map(|s| s.rsa)),
            flags.aes_per_second.or(saved.as_ref().map(|s| s.aes)),
            flags.trials_per_second.or(saved.as_ref().map(|s| s.trials)),
        ];
        let measured = if given.iter().all(Option::is_some) {
            None
        } else {
            Some(crate::bench::measure_rates(
                std::time::Duration::from_millis(200),
            )?)
        };
        let rate =
            |given: Option<f64>, measured: Option<f64>| given.or(measured).unwrap_or_default();
        let machine = crate::bench::Machine::describe();
        Ok(ScaleInputs {
            messages_per_day: flags.messages_per_day.unwrap_or(WHATSAPP_MESSAGES_PER_DAY),
            session_size: flags.session_size,
            rsa_decrypts_per_core_second: rate(given[0], measured.map(|r| r.rsa_decrypts)),
            aes_opens_per_core_second: rate(given[1], measured.map(|r| r.aes_opens)),
            key_trials_per_core_second: rate(given[2], measured.map(|r| r.key_trials)),
            usd_per_core_hour: flags.usd_per_core_hour,
            bits: if flags.bits.is_empty() {
                vec![24, 32, 40, 56]
            } else {
                flags.bits.clone()
            },
            rates_from: match measured {
                Some(r) => format!(
                    "measured here, one thread, RSA on {} ({}, {} cores)",
                    r.backend.name(),
                    machine.cpu,
                    machine.cores
                ),
                None => match saved {
                    Some(saved) => {
                        let flagged: Vec<&str> = [
                            ("--rsa-per-second", flags.rsa_per_second),
                            ("--aes-per-second", flags.aes_per_second),
                            ("--trials-per-second", flags.trials_per_second),
                        ]
                        .into_iter()
                        .filter_map(|(flag, given)| given.map(|_| flag))
                        .collect();
                        if flagged.is_empty() {
                            saved.from
                        } else {
                            format!("{}; {} as given", saved.from, flagged.join(", "))
                        }
                    }
                    None => "given as flags".to_owned(),
                },
            },
        })
    }

    /// Refuses inputs the arithmetic cannot use, naming the flag.
    pub fn check(&self) -> Result<(), InputError> {
        let positive = |value: f64, flag: &str| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(InputError::new(format!("{value} is not a positive number")).field(flag))
            }
        };
        positive(self.messages_per_day, "--messages-per-day")?;
        positive(self.rsa_decrypts_per_core_second, "--rsa-per-second")?;
        positive(self.aes_opens_per_core_second, "--aes-per-second")?;
        positive(self.key_trials_per_core_second, "--trials-per-second")?;
        if let Some(price) = self.usd_per_core_hour {
            positive(price, "--usd-per-core-hour")?;
        }
        if self.session_size == 0 {
            return Err(InputError::new("must be at least 1").field("--session-size"));
        }
        if let Some(bits) = self.bits.iter().find(|b| !(8..=128).contains(*b)) {
            return Err(InputError::new(format!("{bits} bits: choose 8 to 128")).field("--bits"));
        }
        Ok(())
    }
}

/// Decrypting one day of traffic with a leaked escrow key, under one keying.
#[derive(Debug, Clone, Serialize)]
pub struct EscrowLine {
    /// Per message, or per session of some size.
    pub keying: String,
    /// RSA-OAEP unwraps a day.
    pub unwraps: f64,
    /// AES-GCM opens a day.
    pub opens: f64,
    /// Core-seconds a day.
    pub core_seconds: f64,
    /// Core-hours a day.
    pub core_hours: f64,
    /// Cores that keep up with the traffic as it is sent.
    pub cores_to_keep_up: f64,
    /// Cost a day, if a price per core-hour was given.
    pub usd: Option<f64>,
    /// The sum, written out.
    pub arithmetic: String,
}

/// Brute-forcing one short key, on average half the key space.
#[derive(Debug, Clone, Serialize)]
pub struct BruteLine {
    /// Secret bits per content key.
    pub bits: u32,
    /// Trials to find one key, on average: half the key space.
    pub average_trials: f64,
    /// Core-seconds to find one key.
    pub core_seconds_per_key: f64,
    /// Every key of a day's traffic, per-message keying.
    pub core_hours_per_day_per_message: f64,
    /// Every key of a day's traffic, per-session keying.
    pub core_hours_per_day_per_session: f64,
    /// Cost of one key, if a price per core-hour was given.
    pub usd_per_key: Option<f64>,
}

/// What `doormat scale` projects: reading a day of traffic with the escrow key, against
/// brute-forcing short keys.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleReport {
    /// What the projection starts from.
    pub inputs: ScaleInputs,
    /// The escrow holder's work, per keying.
    pub escrow: Vec<EscrowLine>,
    /// The brute-forcer's work, per key size.
    pub brute_force: Vec<BruteLine>,
}

/// The projection.
pub fn project(inputs: &ScaleInputs) -> Result<ScaleReport, InputError> {
    inputs.check()?;
    let day = inputs.messages_per_day;
    let rsa = inputs.rsa_decrypts_per_core_second;
    let aes = inputs.aes_opens_per_core_second;
    let cost = |core_hours: f64| inputs.usd_per_core_hour.map(|p| p * core_hours);
    let line = |keying: String, unwraps: f64| {
        let core_seconds = unwraps / rsa + day / aes;
        EscrowLine {
            arithmetic: format!(
                "{} unwraps / {} per s + {} opens / {} per s = {} core-seconds",
                sci(unwraps),
                sci(rsa),
                sci(day),
                sci(aes),
                sci(core_seconds)
            ),
            keying,
            unwraps,
            opens: day,
            core_seconds,
            core_hours: core_seconds / 3600.0,
            cores_to_keep_up: core_seconds / SECONDS_PER_DAY,
            usd: cost(core_seconds / 3600.0),
        }
    };
    let sessions = day / inputs.session_size as f64;
    let escrow = vec![
        line("per message".to_owned(), day),
        line(format!("per session of {}", inputs.session_size), sessions),
    ];
    let brute_force = inputs
        .bits
        .iter()
        .map(|&bits| {
            let average_trials = 2f64.powi(bits as i32 - 1);
            let core_seconds_per_key = average_trials / inputs.key_trials_per_core_second;
            BruteLine {
                bits,
                average_trials,
                core_seconds_per_key,
                core_hours_per_day_per_message: core_seconds_per_key * day / 3600.0,
                core_hours_per_day_per_session: core_seconds_per_key * sessions / 3600.0,
                usd_per_key: cost(core_seconds_per_key / 3600.0),
            }
        })
        .collect();
    Ok(ScaleReport {
        inputs: inputs.clone(),
        escrow,
        brute_force,
    })
}

/// 123456789.0 → "1.23e8"; small numbers as they are.
pub fn sci(value: f64) -> String {
    if !value.is_finite() {
        return format!("more than {:.1e}", f64::MAX);
    }
    if value.abs() >= 1e5 || (value != 0.0 && value.abs() < 1e-2) {
        format!("{value:.2e}")
    } else if value.fract() == 0.0 || value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> ScaleInputs {
        ScaleInputs {
            messages_per_day: 100e9,
            session_size: 100,
            rsa_decrypts_per_core_second: 1000.0,
            aes_opens_per_core_second: 1e6,
            key_trials_per_core_second: 1e6,
            usd_per_core_hour: Some(0.05),
            bits: vec![24, 40],
            rates_from: "given".into(),
        }
    }

    #[test]
    fn the_arithmetic_is_what_it_says() {
        let r = project(&inputs()).unwrap();
        // 1e11 / 1e3 + 1e11 / 1e6 = 1e8 + 1e5 core-seconds.
        assert!((r.escrow[0].core_seconds - 100_100_000.0).abs() < 1e-3);
        assert!((r.escrow[0].core_hours - 100_100_000.0 / 3600.0).abs() < 1e-6);
        assert!((r.escrow[0].usd.unwrap() - 0.05 * 100_100_000.0 / 3600.0).abs() < 1e-6);
        // Per session of 100: 1e9 unwraps.
        assert!((r.escrow[1].core_seconds - (1e6 + 1e5)).abs() < 1e-6);
        assert!(r.escrow[0]
            .arithmetic
            .contains("1.00e11 unwraps / 1000 per s"));
        // 2^23 trials at 1e6 per second.
        assert!((r.brute_force[0].core_seconds_per_key - 8.388608).abs() < 1e-9);
        assert_eq!(r.brute_force[1].average_trials, 2f64.powi(39));
    }

    #[test]
    fn bad_inputs_name_their_flag() {
        let mut bad = inputs();
        bad.rsa_decrypts_per_core_second = 0.0;
        assert_eq!(
            project(&bad).unwrap_err().field.as_deref(),
            Some("--rsa-per-second")
        );
        let mut bad = inputs();
        bad.bits = vec![200];
        assert_eq!(project(&bad).unwrap_err().field.as_deref(), Some("--bits"));
        let mut bad = inputs();
        bad.messages_per_day = f64::NAN;
        assert!(project(&bad).is_err());
    }
}
