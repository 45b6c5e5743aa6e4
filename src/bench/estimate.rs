//! Rates and estimates from short measurements: one core's rates for `doormat scale`,
//! and what a long command (simulate, recover, compare) should take here before it starts.

use super::*;

/// One core's rates for `doormat scale`, on the preferred backend.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rates {
    /// The backend measured.
    pub backend: Backend,
    /// RSA-2048 OAEP decryptions (escrow unwraps) per second.
    pub rsa_decrypts: f64,
    /// AES-256-GCM opens of a 200-byte message per second.
    pub aes_opens: f64,
    /// Short-key trials per second: the brute-force search on one thread.
    pub key_trials: f64,
}

/// Measures [`Rates`] on one thread, in about `budget` per rate.
pub fn measure_rates(budget: Duration) -> Result<Rates> {
    measure_rates_into(budget, &Spreads::default())
}

/// [`measure_rates`], keeping the spread of each timing in `spreads`.
pub(super) fn measure_rates_into(budget: Duration, spreads: &Spreads) -> Result<Rates> {
    let key = &crate::crypto::rsa_oaep::PrivateKey::generate(
        &mut Randomness::Seeded(2024).stream("key/rates"),
        2048,
    );
    let mut rng = Randomness::Os.stream("bench");
    let content = ContentKey::generate(&mut rng);
    let wrapped = key
        .public_key()
        .wrap_with(Backend::preferred(), &mut rng, &content);
    let rsa = spreads.time("one core's rates: RSA-2048 decrypt", budget, || {
        std::hint::black_box(key.unwrap_key(&wrapped).is_ok());
    });
    let text = vec![b'x'; MESSAGE_BYTES];
    let sealed = aead::seal(&content, &[3; 12], b"ad", &text);
    let aes = spreads.time("one core's rates: AES-256-GCM open", budget, || {
        std::hint::black_box(aead::open(&content, &[3; 12], b"ad", &sealed).is_ok());
    });
    // The real search on one thread, fastest method, for `budget`.
    let search = SearchOptions {
        threads: Some(1),
        time_limit: Some(budget),
        ..SearchOptions::default()
    };
    let key_trials =
        brute_force(&unopenable_envelope(MESSAGE_BYTES), 40, &search, &|_, _| {})?.keys_per_second;
    spreads.record("one core's rates: key trials", "keys/s", &[key_trials]);
    Ok(Rates {
        backend: Backend::preferred(),
        rsa_decrypts: 1.0 / rsa,
        aes_opens: 1.0 / aes,
        key_trials,
    })
}

/// What a long command should take here, said before it starts: from rates measured
/// in this run, so it holds for this machine.
#[derive(Debug, Clone, Copy)]
pub struct WorkEstimate {
    /// Expected wall-clock time.
    pub seconds: f64,
    /// The longest it can take (a search that finds its key last).
    pub worst_seconds: f64,
}

impl WorkEstimate {
    /// Whether the work may run past ten minutes, so that a command asks for `--yes`.
    pub fn needs_confirmation(&self) -> bool {
        self.worst_seconds > crate::attacks::brute_force::CONFIRM_ABOVE.as_secs_f64()
    }

    /// Refuses `what` (for example "this comparison") when it may run past ten minutes
    /// and `--yes` was not given (`yes`), saying how long it could take.
    pub fn confirmed(&self, what: &str, yes: bool) -> Result<(), crate::error::InputError> {
        if !self.needs_confirmation() || yes {
            return Ok(());
        }
        Err(crate::error::InputError::new(format!(
            "{what} could take {} here (about {} expected)",
            crate::demo::duration(self.worst_seconds),
            crate::demo::duration(self.seconds)
        ))
        .field("--yes")
        .hint("add --yes to run it, or ask for less work"))
    }
}

/// What `compare` should take, or `None` when it is small enough to need no estimate.
/// Its cost is the short-key row, which brute-forces every message: half the key space
/// each on average, all of it at worst, on every core.
pub fn estimate_compare(options: &crate::compare::CompareOptions) -> Result<Option<WorkEstimate>> {
    // Options compare() refuses need no estimate: its message says what to change.
    if options.bits > 24 || options.messages > 5000 {
        return Ok(None);
    }
    let keys = options.messages as f64 * (1u64 << options.bits.min(40)) as f64;
    if keys < (1u64 << 32) as f64 {
        return Ok(None);
    }
    let rates = measure_rates(Duration::from_millis(100))?;
    let per_second = rates.key_trials * rayon::current_num_threads() as f64;
    Ok(Some(WorkEstimate {
        seconds: keys / 2.0 / per_second,
        worst_seconds: keys / per_second,
    }))
}

/// What `recover` should take on a world of `messages` keyed per `session_size`, or
/// `None` when small: one RSA-OAEP unwrap per content key, at worst, on every core.
pub fn estimate_recover(messages: u64, session_size: u64) -> Result<Option<WorkEstimate>> {
    let unwraps = messages / session_size.max(1);
    if unwraps < 200_000 {
        return Ok(None);
    }
    let rates = measure_rates(Duration::from_millis(100))?;
    let seconds = unwraps as f64 / (rates.rsa_decrypts * rayon::current_num_threads() as f64);
    Ok(Some(WorkEstimate {
        seconds,
        worst_seconds: seconds,
    }))
}

/// What `simulate` should take, or `None` when it is small enough to need no estimate:
/// RSA key generation for every party, then a few RSA-OAEP wraps and one AES-GCM seal a
/// message, on every core.
pub fn estimate_simulate(spec: &crate::world::WorldSpec) -> Result<Option<WorkEstimate>> {
    // A world that would be refused gets its refusal first, not an estimate and a
    // question about --yes.
    spec.check()?;
    // RSA key generation grows about as the fourth power of the modulus.
    let key_weight = (spec.key_bits as f64 / 2048.0).powi(4);
    if (spec.users as f64) * key_weight < 200.0 && spec.messages < 1_000_000 {
        return Ok(None);
    }
    let costs = SimulateCosts::measure(
        draws_from_a_generator(spec.scheme).then_some(spec.scheme),
        spec.randomness.seed().is_some(),
    );
    Ok(Some(costs.estimate(spec, rayon::current_num_threads())))
}

/// Whether `scheme`'s devices draw each message's randomness from a generator whose
/// cost `simulate`'s estimate counts (Dual_EC's: ten P-256 multiplications a message).
pub(super) fn draws_from_a_generator(scheme: SchemeId) -> bool {
    crate::schemes::design(scheme).predictable_randomness()
}

/// What one piece of `simulate`'s work costs on one core, in seconds, measured here.
#[derive(Debug, Clone, Copy)]
pub(super) struct SimulateCosts {
    /// One RSA-2048 key generation.
    pub(super) keygen: f64,
    /// One RSA-OAEP wrap on the preferred backend.
    pub(super) wrap: f64,
    /// One Dual_EC device's draw of a message's rnd and key (0 unless measured).
    pub(super) draw: f64,
}

impl SimulateCosts {
    /// `seeded`: the world is made under `--seed`, whose wraps run on the `rsa` crate
    /// (its padding draws from the seeded stream), several times slower than AWS-LC's.
    pub(super) fn measure(drawing: Option<SchemeId>, seeded: bool) -> SimulateCosts {
        let mut rng = Randomness::Os.stream("estimate");
        let wrap_backend = if seeded {
            Backend::Rsa
        } else {
            Backend::preferred()
        };
        let started = Instant::now();
        let key = crate::crypto::rsa_oaep::PrivateKey::generate(&mut rng, 2048);
        let keygen = started.elapsed().as_secs_f64();
        let public = key.public_key();
        let content = ContentKey::generate(&mut rng);
        let wrap = time_per_op(Duration::from_millis(100), || {
            std::hint::black_box(public.wrap_with(wrap_backend, &mut rng, &content));
        });
        // What the devices draw for each message (Dual_EC: rnd and the key, ten P-256
        // multiplications), timed through the design's own sealer, as simulate draws.
        let draw = match drawing {
            Some(id) => Self::time_draws(id).unwrap_or(0.0),
            None => 0.0,
        };
        SimulateCosts { keygen, wrap, draw }
    }

    /// Seconds `id`'s sealer takes to draw one message's randomness on its sender's
    /// device, one message after another; `None` if it draws nothing there.
    fn time_draws(id: SchemeId) -> Option<f64> {
        let design = schemes::design(id);
        let users = ["alice", "bob"];
        let names: Vec<String> = users.iter().map(|u| (*u).to_owned()).collect();
        let parties = crate::world::cast::demo_cast(&users, design.parties());
        let params = SchemeParams::default();
        let built = design
            .build(&Inputs {
                users: &names,
                parties: &parties,
                params: &params,
                messages: 0,
                randomness: &Randomness::Os.fork("estimate"),
            })
            .ok()?;
        let sealer = built.sealer?;
        let mut t = 0;
        let mut next = || {
            t += 1;
            [Message {
                id: format!("m{t:06}"),
                t,
                from: names[0].clone(),
                to: vec![names[1].clone()],
                text: String::new(),
                session: None,
            }]
        };
        sealer.device_draws(&next())?;
        Some(time_per_op(Duration::from_millis(100), || {
            std::hint::black_box(sealer.device_draws(&next()));
        }))
    }

    /// `spec`'s time on `threads` cores at these costs.
    pub(super) fn estimate(&self, spec: &crate::world::WorldSpec, threads: usize) -> WorkEstimate {
        // RSA key generation grows about as the fourth power of the modulus.
        let keygen = self.keygen * (spec.key_bits as f64 / 2048.0).powi(4);
        let draw = if draws_from_a_generator(spec.scheme) {
            self.draw
        } else {
            0.0
        };
        // A sender, a recipient and one escrow reader: most designs wrap three times.
        let seconds = ((spec.users + 3) as f64 * keygen
            + spec.messages as f64 * (3.0 * self.wrap + draw))
            / threads as f64;
        WorkEstimate {
            seconds,
            // Key generation's time varies from key to key: allow twice the expectation.
            worst_seconds: seconds * 2.0,
        }
    }
}
