//! What escrow costs per message: sealing with and without an escrow wrap, and opening
//! with a user's key or the escrow key. `cargo bench --bench escrow`.
//!
//! The fuller benchmark suite (key sizes, message sizes, per-session keying, mass
//! recovery) is tracked separately; this one pins the basic per-message overhead.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use doormat::attacks::{Keyring, Opener, Outcome};
use doormat::crypto::aead::ContentKey;
use doormat::crypto::random::Randomness;
use doormat::schemes::{self, SchemeId};
use doormat::wire::world_file::Role;
use doormat::world::traffic::Message;
use doormat::world::{directory, generate_parties, scheme_for, SchemeParams};

fn message() -> Message {
    Message {
        id: "m000001".into(),
        t: 1,
        from: "alice".into(),
        to: vec!["bob".into()],
        text: "x".repeat(200),
        session: None,
    }
}

fn escrow_cost(c: &mut Criterion) {
    // Seeded keys: the benchmark measures sealing and opening, not key generation.
    let randomness = Randomness::Seeded(2024);
    let names = [
        ("alice".to_owned(), Role::User),
        ("bob".to_owned(), Role::User),
        ("escrow".to_owned(), Role::Escrow),
    ];
    let parties = generate_parties(&names, 2048, &randomness);
    let directory = directory(&parties);
    let message = message();

    let mut seal = c.benchmark_group("seal one 200-byte message, one recipient, RSA-2048");
    for id in [SchemeId::None, SchemeId::GoldenKey] {
        let scheme = scheme_for(id, &SchemeParams::default(), &parties)
            .expect("the bench world has an escrow party");
        seal.bench_with_input(BenchmarkId::from_parameter(id), &id, |b, _| {
            let mut rng = randomness.stream("bench/seal");
            b.iter(|| {
                let key = ContentKey::generate(&mut rng);
                schemes::seal(scheme.as_ref(), &directory, &message, &key, true, &mut rng)
            })
        });
    }
    seal.finish();

    let golden = scheme_for(SchemeId::GoldenKey, &SchemeParams::default(), &parties)
        .expect("escrow party present");
    let mut rng = randomness.stream("bench/envelope");
    let key = ContentKey::generate(&mut rng);
    let envelope = schemes::seal(golden.as_ref(), &directory, &message, &key, true, &mut rng);
    let mut open = c.benchmark_group("open one message, RSA-2048");
    for holder in ["bob", "escrow"] {
        let keyring = Keyring::of_parties(&parties, &[holder]);
        open.bench_function(
            BenchmarkId::from_parameter(format!("with {holder}'s key")),
            |b| {
                b.iter(|| {
                    let outcome = Opener::new(&keyring).open_batch(std::slice::from_ref(&envelope));
                    assert!(matches!(outcome[0], Outcome::Opened(_)));
                })
            },
        );
    }
    open.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = escrow_cost
}
criterion_main!(benches);
