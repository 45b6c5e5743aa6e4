//! `split-key`: the golden key, with its private half split k-of-n among agents.
//!
//! Envelopes are sealed exactly as under `golden-key`. The difference is custody: the
//! escrow private key is never written whole. It is split with Shamir's secret sharing
//! (over GF(256), by the `blahaj` crate) into one share per agent, any `threshold` of
//! which rebuild it. Fewer shares give nothing; but serving a warrant means bringing
//! `threshold` shares to one place, and that place then holds the whole golden key.

use blahaj::{Share, Sharks};
use serde::{Deserialize, Serialize};

use crate::crypto::random::RandomStream;
use crate::crypto::rsa_oaep::{Fingerprint, PrivateKey};
use std::path::PathBuf;

use crate::error::InputError;
use crate::fsutil::read_small_text;
use crate::schemes::finding::Finding;
use crate::schemes::keyring::Keyring;
use crate::schemes::params::{DesignParams, Kind, ParamsKind};
use crate::schemes::registry::{
    Built, Design, Inputs, Invited, KeptFile, Loot, Material, OwnMaterial, Piece, Rotated,
    StolenFiles, Theft, Warrant, Warranted, WorldFiles, WorldShape,
};
use crate::schemes::said::Fact;
use crate::schemes::stage::{DesignEvent, OwnEvent, Stage};
use crate::schemes::{GoldenKey, SchemeId, SchemeParams, ESCROW_NAME};
use crate::wire::world_file::Role;
use crate::wire::{b64, unb64};

pub use crate::wire::limits::MAX_AGENTS;

/// Agents holding a share when `--agents` is not given.
pub const DEFAULT_AGENTS: u8 = 5;
/// Shares that rebuild the key when `--threshold` is not given.
pub const DEFAULT_THRESHOLD: u8 = 3;

/// split-key's parameters: its `simulate` flags and its table in world.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(default)]
pub struct SplitKeyParams {
    /// split-key: agents that each hold one share of the escrow key
    #[arg(long, value_name = "N", default_value_t = DEFAULT_AGENTS)]
    pub agents: u8,
    /// split-key: how many shares rebuild the escrow key
    #[arg(long, value_name = "K", default_value_t = DEFAULT_THRESHOLD)]
    pub threshold: u8,
}

impl Default for SplitKeyParams {
    fn default() -> Self {
        SplitKeyParams {
            agents: DEFAULT_AGENTS,
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

impl DesignParams for SplitKeyParams {}

/// Refuses `--agents` and `--threshold` that cannot split a key.
pub fn check_params(params: &SplitKeyParams) -> Result<(), InputError> {
    let SplitKeyParams { agents, threshold } = *params;
    if !(2..=MAX_AGENTS).contains(&agents) {
        return Err(
            InputError::new(format!("{agents} agents cannot share a key"))
                .field("--agents")
                .hint(format!("choose 2 to {MAX_AGENTS}")),
        );
    }
    if threshold < 2 || threshold > agents {
        return Err(InputError::new(format!(
            "a threshold of {threshold} does not fit {agents} agents"
        ))
        .field("--threshold")
        .hint("the threshold is how many agents must combine: 2 to --agents"));
    }
    Ok(())
}

/// One agent's share, as written to `keys/agent-I.share` (mode 0600).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareFile {
    /// Format version: 1.
    pub v: u64,
    /// Always `"doormat-share"`, so a share is never mistaken for another file.
    pub kind: String,
    /// The escrow key this share belongs to: ties it to one world.
    pub escrow_fingerprint: String,
    /// This share's agent, from 1.
    pub agent: u8,
    /// Agents in all.
    pub agents: u8,
    /// Shares needed to rebuild the key.
    pub threshold: u8,
    /// base64 of the share: one byte x (the agent number) then the y bytes.
    pub share: String,
}

/// The `kind` of every share file.
pub const SHARE_KIND: &str = "doormat-share";

/// Splits the escrow key into one share per agent.
pub fn split(
    escrow: &PrivateKey,
    params: &SplitKeyParams,
    rng: &mut RandomStream,
) -> Vec<ShareFile> {
    let secret = escrow.to_pkcs8_der();
    let dealer = Sharks(params.threshold).dealer_rng(&secret, rng);
    dealer
        .take(params.agents as usize)
        .enumerate()
        .map(|(i, share)| ShareFile {
            v: 1,
            kind: SHARE_KIND.to_owned(),
            escrow_fingerprint: escrow.fingerprint().to_string(),
            agent: i as u8 + 1,
            agents: params.agents,
            threshold: params.threshold,
            share: b64(&Vec::from(&share)),
        })
        .collect()
}

impl ShareFile {
    /// Parses a share file's text; the caller adds the file name.
    pub fn parse(text: &str) -> Result<ShareFile, InputError> {
        let file: ShareFile = serde_json::from_str(text).map_err(|e| {
            InputError::new(format!("not a doormat share file ({e})"))
                .hint("shares are the keys/agent-I.share files of a split-key world")
        })?;
        if file.kind != SHARE_KIND || file.v != 1 {
            return Err(InputError::new("is not a version-1 doormat share").field("kind"));
        }
        if Fingerprint::parse(&file.escrow_fingerprint).is_none() {
            return Err(InputError::new("is not a fingerprint").field("escrow_fingerprint"));
        }
        if file.threshold < 2 || file.threshold > file.agents {
            return Err(InputError::new(format!(
                "threshold {} of {} agents: a split needs 2 to {} shares",
                file.threshold, file.agents, file.agents
            ))
            .field("threshold"));
        }
        if file.agent == 0 || file.agent > file.agents {
            return Err(InputError::new(format!(
                "agent {} of {} with threshold {} does not add up",
                file.agent, file.agents, file.threshold
            ))
            .field("agent"));
        }
        let bytes = unb64("share", &file.share)?;
        if bytes.len() < 2 || bytes[0] != file.agent {
            return Err(InputError::new("does not match the agent number").field("share"));
        }
        Ok(file)
    }
}

/// Why a set of shares did not rebuild the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CombineError {
    /// Shares of different splits (another world, or a re-split).
    Mixed,
    /// The same agent's share twice.
    Duplicate(u8),
    /// Fewer shares than the threshold: Shamir reveals nothing at all.
    TooFew {
        /// Shares given.
        have: usize,
        /// Shares needed.
        need: u8,
    },
    /// The shares combined, but not into the escrow key: one is damaged.
    Corrupt,
}

/// Rebuilds the escrow key from shares; every share must belong to `escrow_fingerprint`.
pub fn combine(shares: &[ShareFile], escrow_fingerprint: &str) -> Result<PrivateKey, CombineError> {
    let Some(first) = shares.first() else {
        return Err(CombineError::TooFew { have: 0, need: 2 });
    };
    let mut seen = Vec::new();
    for share in shares {
        if share.escrow_fingerprint != escrow_fingerprint || share.threshold != first.threshold {
            return Err(CombineError::Mixed);
        }
        if seen.contains(&share.agent) {
            return Err(CombineError::Duplicate(share.agent));
        }
        seen.push(share.agent);
    }
    if shares.len() < first.threshold as usize {
        return Err(CombineError::TooFew {
            have: shares.len(),
            need: first.threshold,
        });
    }
    combine_unchecked(shares, first.threshold, escrow_fingerprint)
}

/// Lagrange interpolation with whatever threshold is claimed. With fewer real shares
/// than the split's threshold the result is unrelated to the key: Shamir's guarantee.
pub fn combine_unchecked(
    shares: &[ShareFile],
    threshold: u8,
    escrow_fingerprint: &str,
) -> Result<PrivateKey, CombineError> {
    let parsed: Vec<Share> = shares
        .iter()
        .map(|s| {
            let bytes = unb64("share", &s.share).map_err(|_| CombineError::Corrupt)?;
            Share::try_from(bytes.as_slice()).map_err(|_| CombineError::Corrupt)
        })
        .collect::<Result<_, _>>()?;
    let secret = zeroize::Zeroizing::new(
        Sharks(threshold)
            .recover(parsed.as_slice())
            .map_err(|_| CombineError::Corrupt)?,
    );
    let key = PrivateKey::from_pkcs8_der(&secret).map_err(|_| CombineError::Corrupt)?;
    if key.fingerprint().as_str() != escrow_fingerprint {
        return Err(CombineError::Corrupt);
    }
    Ok(key)
}

/// Where agent `agent`'s share is kept, in a world's directory.
pub fn share_file(agent: u8) -> String {
    format!("keys/agent-{agent}.share")
}

/// A scenario's `steal-share` event: `to` takes one escrow agent's share. Shares held
/// together rebuild the escrow key once there are as many as the threshold; fewer say
/// nothing about it.
#[derive(Debug)]
struct StealShare {
    /// Which agent, from 1.
    agent: u64,
    to: String,
}

impl DesignEvent for StealShare {
    fn play(&self, stage: &mut dyn Stage) -> crate::error::Result<Vec<Fact>> {
        let threshold = stage.params().get::<SplitKeyParams>().threshold;
        let pieces: Vec<(String, Loot)> = stage
            .loot()
            .iter()
            .filter(|(_, loot)| loot.piece().is_some())
            .cloned()
            .collect();
        let number = |loot: &Loot| loot.piece().map(|p| u64::from(p.number));
        if let Some((party, stolen)) = pieces.iter().find(|(_, l)| number(l) == Some(self.agent)) {
            stage.hand_over(&self.to, party, stolen);
        }
        let held = stage.pieces_held(&self.to);
        let noun = pieces
            .first()
            .and_then(|(_, loot)| loot.piece())
            .map_or("piece", |p| p.noun);
        let mut told = vec![
            Fact::told(
                "stolen",
                format!("agent {}'s share, by {}", self.agent, self.to),
            ),
            Fact::told(
                "held",
                format!(
                    "{} of {} {noun}s; {threshold} rebuild the key",
                    held.len(),
                    pieces.len()
                ),
            ),
        ];
        // Combined as for `recover`: fewer than the threshold open nothing.
        let mut opened = Keyring::new();
        SplitKeyDesign.open_loot(&held.iter().collect::<Vec<_>>(), &mut opened)?;
        match opened.keys_of_role(Role::Escrow).into_iter().next() {
            Some(key) => {
                told.push(
                    Fact::told(
                        "combined",
                        format!("the escrow key, {}", key.fingerprint().short(16)),
                    )
                    .marked(true),
                );
                stage.hand_key(&self.to, ESCROW_NAME, Role::Escrow, &key);
            }
            None => told.push(
                Fact::told(
                    "combined",
                    "nothing: fewer shares than the threshold say nothing about the key",
                )
                .marked(false),
            ),
        }
        Ok(told)
    }
}

/// The split-key design: golden-key sealing, the escrow key kept only as shares.
pub struct SplitKeyDesign;

/// `recover`'s shares: each checked against the world's escrow key, then combined.
fn combine_stolen(
    world: &dyn WorldFiles,
    shares: Vec<(&PathBuf, ShareFile)>,
    keyring: &mut Keyring,
    findings: &mut Vec<Finding>,
) -> crate::error::Result<()> {
    let file = world.file();
    let escrow = file
        .parties
        .iter()
        .find(|p| p.role == Role::Escrow)
        .ok_or_else(|| {
            InputError::new(format!(
                "this is a {} world: it has no split escrow key",
                file.scheme
            ))
            .field("--share")
            .hint("--share takes the keys/agent-I.share files of a split-key world")
        })?;
    for (path, share) in &shares {
        if share.escrow_fingerprint != escrow.fingerprint {
            return Err(InputError::new("is a share of another world's escrow key")
                .file(path)
                .hint(format!(
                    "use the keys/agent-I.share files of {}",
                    world.root().display()
                ))
                .into());
        }
    }
    let shares: Vec<ShareFile> = shares.into_iter().map(|(_, share)| share).collect();
    let key = combine(&shares, &escrow.fingerprint).map_err(|e| match e {
        CombineError::TooFew { have, need } => {
            let missing = need as usize - have;
            InputError::new(format!(
                "{have} share{} given, but the key was split so that {need} are needed; fewer than {need} reveal nothing about it",
                if have == 1 { "" } else { "s" }
            ))
            .field("--share")
            .hint(format!("add --share for {missing} more agent{}", if missing == 1 { "" } else { "s" }))
        }
        CombineError::Duplicate(agent) => InputError::new(format!("agent {agent}'s share is given twice")).field("--share"),
        CombineError::Mixed => InputError::new("the shares come from different splits").field("--share"),
        CombineError::Corrupt => InputError::new("the shares do not combine into the escrow key: one is damaged")
            .field("--share")
            .hint("use untouched keys/agent-I.share files"),
    })?;
    findings.push(Finding::SharesCombined {
        shares: shares.len(),
        fingerprint: key.fingerprint().short(16).to_owned(),
    });
    keyring.add(&escrow.name, Role::Escrow, key);
    Ok(())
}

impl OwnMaterial for ShareFile {
    fn piece(&self) -> Option<Piece> {
        Some(Piece {
            noun: "share",
            number: u32::from(self.agent),
        })
    }
}

impl Design for SplitKeyDesign {
    fn load_stolen(
        &self,
        world: &dyn WorldFiles,
        stolen: &StolenFiles,
        keyring: &mut Keyring,
        findings: &mut Vec<Finding>,
    ) -> crate::error::Result<()> {
        if stolen.shares.is_empty() {
            return Ok(());
        }
        let mut shares = Vec::new();
        for path in stolen.shares {
            let text = read_small_text(path, "an escrow agent's file")?;
            shares.push((path, ShareFile::parse(&text).map_err(|e| e.file(path))?));
        }
        combine_stolen(world, shares, keyring, findings)
    }
    fn exercises(&self) -> &'static [&'static str] {
        &["split-key"]
    }
    fn open_loot(&self, loot: &[&Loot], keyring: &mut Keyring) -> crate::error::Result<()> {
        let shares: Vec<ShareFile> = loot
            .iter()
            .filter_map(|l| l.as_own::<ShareFile>())
            .cloned()
            .collect();
        let Some(first) = shares.first() else {
            return Ok(());
        };
        let fingerprint = first.escrow_fingerprint.clone();
        match combine(&shares, &fingerprint) {
            Ok(key) => keyring.add(ESCROW_NAME, Role::Escrow, key),
            Err(CombineError::TooFew { .. }) => {}
            Err(e) => {
                return Err(crate::error::Error::Internal(format!(
                    "shares did not combine: {e:?}"
                )))
            }
        }
        Ok(())
    }

    fn materials(&self) -> &'static [Material] {
        &[Material::Shares]
    }

    fn serve_warrant(&self, warrant: &Warrant) -> crate::error::Result<Warranted> {
        let shares: Vec<ShareFile> = warrant
            .loot
            .iter()
            .filter_map(|l| l.as_own::<ShareFile>())
            .cloned()
            .collect();
        let Some(first) = shares.first() else {
            return Err(crate::error::Error::Internal(
                "no agent holds a share".into(),
            ));
        };
        let threshold = first.threshold as usize;
        let agents = &shares[..threshold.min(shares.len())];
        let key = combine(agents, &first.escrow_fingerprint).map_err(|e| {
            crate::error::Error::Internal(format!("the agents' shares did not combine: {e:?}"))
        })?;
        Ok(Warranted::SharesCombined {
            agents: agents.len(),
            key,
        })
    }

    fn rotate(
        &self,
        new_key: &PrivateKey,
        params: &SchemeParams,
        rng: &mut RandomStream,
    ) -> Option<Rotated> {
        Some(Rotated {
            sealer: Box::new(GoldenKey {
                escrow: new_key.public_key().clone(),
                id: SchemeId::SplitKey,
            }),
            // The new key is kept as agents' shares, as the old one was.
            loot: split(new_key, &params.get(), rng)
                .into_iter()
                .map(|share| (format!("agent-{}", share.agent), Loot::own(share)))
                .collect(),
        })
    }

    fn events(&self) -> &'static [&'static str] {
        &["rotate"]
    }
    fn own_events(&self) -> &'static [OwnEvent] {
        &[OwnEvent {
            name: "steal-share",
            fields: &["agent", "to"],
            parse: |fields| {
                let agents = u64::from(fields.params().get::<SplitKeyParams>().agents);
                Ok(Box::new(StealShare {
                    agent: fields.count("agent", agents)?,
                    to: fields.adversary("to")?,
                }))
            },
            anywhere: false,
            total: None,
        }]
    }

    fn id(&self) -> SchemeId {
        SchemeId::SplitKey
    }
    fn summary(&self) -> &'static str {
        "the escrow key split k-of-n among agents"
    }
    fn params(&self) -> Option<&'static dyn ParamsKind> {
        Some(&Kind::<SplitKeyParams>::NEW)
    }
    fn check(&self, params: &SchemeParams, _: &WorldShape) -> Result<(), InputError> {
        check_params(&params.get())
    }
    fn scenario_fields(&self) -> &'static [(&'static str, &'static str)] {
        &[("agents", "3"), ("threshold", "2")]
    }
    fn parties(&self) -> &'static [(&'static str, Role)] {
        &[(ESCROW_NAME, Role::Escrow)]
    }
    fn withholds_key(&self, role: Role) -> bool {
        role == Role::Escrow
    }
    fn authorities(&self, params: &SchemeParams) -> Vec<String> {
        (1..=params.get::<SplitKeyParams>().agents)
            .map(|i| format!("agent-{i}"))
            .chain([ESCROW_NAME.to_owned()])
            .collect()
    }
    fn authority(&self) -> Option<&'static str> {
        Some(ESCROW_NAME)
    }
    fn holds(&self, party: &str) -> &'static str {
        if party == ESCROW_NAME {
            "the whole key, only once shares meet"
        } else {
            "one share of the escrow key"
        }
    }
    fn key_label(&self, party: &str) -> Option<&'static str> {
        (party != ESCROW_NAME).then_some("Shamir share")
    }
    fn build(&self, inputs: &Inputs) -> crate::error::Result<Built> {
        let escrow = inputs.party(ESCROW_NAME)?;
        let mut built = Built::sealer(GoldenKey {
            escrow: escrow.key.public_key().clone(),
            id: SchemeId::SplitKey,
        });
        for share in split(
            &escrow.key,
            &inputs.params.get(),
            &mut inputs.randomness.stream("split"),
        ) {
            built
                .kept
                .push(KeptFile::json(share_file(share.agent), &share, true));
            built
                .loot
                .push((format!("agent-{}", share.agent), Loot::own(share)));
        }
        Ok(built)
    }
    fn invited(&self, params: &SchemeParams, _: &str, _: u64) -> Vec<Invited> {
        let params = params.get::<SplitKeyParams>();
        vec![Invited::new(
            format!("{} of {} shares", params.threshold, params.agents),
            (1..=params.threshold)
                .map(|i| Theft::Party(format!("agent-{i}")))
                .collect(),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;
    use crate::crypto::rsa_oaep::tests::test_keys;

    #[test]
    fn hostile_share_files_never_panic() {
        crate::wire::hostile_tests::never_panics(|text| {
            let _ = ShareFile::parse(text);
        });
    }

    fn params(agents: u8, threshold: u8) -> SplitKeyParams {
        SplitKeyParams { agents, threshold }
    }

    #[test]
    fn threshold_shares_rebuild_the_key_and_fewer_rebuild_nothing() {
        let escrow = &test_keys()[0];
        let fp = escrow.fingerprint().to_string();
        let shares = split(
            escrow,
            &params(5, 3),
            &mut Randomness::Seeded(1).stream("s"),
        );
        assert_eq!(shares.len(), 5);
        // Any three, in any order.
        let key = combine(
            &[shares[4].clone(), shares[0].clone(), shares[2].clone()],
            &fp,
        )
        .unwrap();
        assert_eq!(key.fingerprint(), escrow.fingerprint());
        // Two are refused outright...
        assert_eq!(
            combine(&shares[..2], &fp).unwrap_err(),
            CombineError::TooFew { have: 2, need: 3 }
        );
        // ...and forcing the interpolation with two gives no key at all.
        assert!(combine_unchecked(&shares[..2], 2, &fp).is_err());
    }

    #[test]
    fn shares_of_another_split_or_twice_the_same_are_refused() {
        let [a, b] = test_keys();
        let mut rng = Randomness::Seeded(2).stream("s");
        let ours = split(a, &params(3, 2), &mut rng);
        let theirs = split(b, &params(3, 2), &mut rng);
        let fp = a.fingerprint().to_string();
        assert_eq!(
            combine(&[ours[0].clone(), theirs[1].clone()], &fp).unwrap_err(),
            CombineError::Mixed
        );
        assert_eq!(
            combine(&[ours[0].clone(), ours[0].clone()], &fp).unwrap_err(),
            CombineError::Duplicate(1)
        );
        let mut damaged = ours[1].clone();
        let mut bytes = unb64("share", &damaged.share).unwrap();
        bytes[40] ^= 1;
        damaged.share = b64(&bytes);
        assert_eq!(
            combine(&[ours[0].clone(), damaged], &fp).unwrap_err(),
            CombineError::Corrupt
        );
    }

    #[test]
    fn share_files_round_trip_and_refuse_nonsense() {
        let shares = split(
            &test_keys()[0],
            &params(3, 2),
            &mut Randomness::Seeded(3).stream("s"),
        );
        let text = serde_json::to_string(&shares[1]).unwrap();
        assert_eq!(ShareFile::parse(&text).unwrap(), shares[1]);
        assert!(ShareFile::parse("{}").is_err());
        let wrong_agent = text.replace("\"agent\":2", "\"agent\":3");
        assert!(ShareFile::parse(&wrong_agent).is_err());
    }
}
