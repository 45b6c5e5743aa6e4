use super::*;

/// A design whose devices draw from a generator (Dual_EC) has its draws counted: its
/// estimate exceeds the same world's without escrow by exactly them.
#[test]
fn a_world_that_draws_from_a_generator_is_estimated_with_its_draws() {
    let spec = |scheme| crate::world::WorldSpec {
        scheme,
        users: 6,
        messages: 2_000_000,
        key_bits: 2048,
        session_size: 1,
        randomness: Randomness::Os,
        params: SchemeParams::default(),
        snapshots: Vec::new(),
        plants: Default::default(),
    };
    // Both from one measurement, so that the difference is the draws alone, not the
    // noise of two measurements (key generation's time varies from key to key).
    let drawing = crate::schemes::DESIGNS
        .iter()
        .map(|d| d.id())
        .find(|&id| draws_from_a_generator(id))
        .expect("a design whose devices draw from a generator");
    let costs = SimulateCosts::measure(Some(drawing), false);
    assert!(costs.draw > 0.0 && costs.wrap > 0.0 && costs.keygen > 0.0);
    let none = costs.estimate(&spec(WITHOUT_ESCROW), 2);
    let dual_ec_world = spec(drawing);
    let dual_ec = costs.estimate(&dual_ec_world, 2);
    let draws = 2_000_000.0 * costs.draw / 2.0;
    assert!(
        (dual_ec.seconds - none.seconds - draws).abs() < 1e-9 * dual_ec.seconds,
        "{dual_ec:?} {none:?} {costs:?}"
    );
    // And the estimate a command gets counts them too (measured again: within a
    // factor of four of this measurement, on however many cores this has).
    let threads = rayon::current_num_threads() as f64;
    let estimated = estimate_simulate(&dual_ec_world).unwrap().unwrap();
    assert!(estimated.seconds > 2_000_000.0 * costs.draw / threads / 4.0);
}

#[test]
fn time_per_op_measures_something_positive() {
    let mut n = 0u64;
    let t = time_per_op(Duration::from_millis(5), || n = std::hint::black_box(n + 1));
    assert!(t > 0.0 && t < 1e-3, "{t}");
    assert!(n > 5);
}
