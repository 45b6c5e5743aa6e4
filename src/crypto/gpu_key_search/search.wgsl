// AES-256 key search on a GPU: one block encrypted under each of a run of keys that
// differ only in their last bytes (the secret), each result tested as the start of a
// UTF-8 text, and the few that pass written out for the CPU to confirm.
//
// AES is FIPS 197 with 32-bit words in big-endian byte order, the round function by
// table lookup: one table of 256 words, rotated for the four columns, kept in workgroup
// memory. No crate runs AES in a shader; gpu_key_search.rs checks this one against the
// `aes` crate on every key of its test sweeps.

struct Params {
    // The key's eight words with the secret's bytes zero, then the mask of the secret's
    // bits in words 6 and 7 (a run varies at most the last 8 bytes).
    key_low: vec4<u32>,
    key_high: vec4<u32>,
    secret_mask: vec4<u32>,
    // The block to encrypt, as four big-endian words.
    block: vec4<u32>,
    // The ciphertext's first 16 bytes, the mask of those that exist, and their top
    // bits, as little-endian words (key_search::HeadFilter's u128s, low word first).
    head: vec4<u32>,
    mask: vec4<u32>,
    high_bits: vec4<u32>,
    // The dispatch's first secret (low, high 32 bits), how many secrets it tries, and
    // how many hits `hits` has room for.
    range: vec4<u32>,
}

@group(0) @binding(0) var<uniform> params: Params;
// table[x] = (2·S(x), S(x), S(x), 3·S(x)), big-endian: S is the AES S-box.
@group(0) @binding(1) var<storage, read> table: array<u32, 256>;
// hits[0] counts the keys that passed; then five words for each, while there is room:
// its offset from the first secret and the four words of the text it gives.
@group(0) @binding(2) var<storage, read_write> hits: array<atomic<u32>>;

// 1: the UTF-8 filter (the search). 0: no filter, a test that never passes (the bound:
// the same work with nothing kept). 2: keep every key (the tests' sweeps).
override MODE: u32 = 1u;
// Keys each invocation tries, one after the other: the table is loaded once for them.
override PER_INVOCATION: u32 = 16u;
const WORKGROUP: u32 = 256u;

var<workgroup> te: array<u32, 256>;

fn t0(x: u32) -> u32 { return te[x >> 24u]; }
fn t1(x: u32) -> u32 { let v = te[(x >> 16u) & 0xffu]; return (v >> 8u) | (v << 24u); }
fn t2(x: u32) -> u32 { let v = te[(x >> 8u) & 0xffu]; return (v >> 16u) | (v << 16u); }
fn t3(x: u32) -> u32 { let v = te[x & 0xffu]; return (v >> 24u) | (v << 8u); }
fn sbox(x: u32) -> u32 { return (te[x] >> 16u) & 0xffu; }

fn sub_word(w: u32) -> u32 {
    return (sbox(w >> 24u) << 24u) | (sbox((w >> 16u) & 0xffu) << 16u)
        | (sbox((w >> 8u) & 0xffu) << 8u) | sbox(w & 0xffu);
}

// SubBytes, ShiftRows and MixColumns of a state held as four column words.
fn round_function(s: vec4<u32>) -> vec4<u32> {
    return vec4<u32>(
        t0(s.x) ^ t1(s.y) ^ t2(s.z) ^ t3(s.w),
        t0(s.y) ^ t1(s.z) ^ t2(s.w) ^ t3(s.x),
        t0(s.z) ^ t1(s.w) ^ t2(s.x) ^ t3(s.y),
        t0(s.w) ^ t1(s.x) ^ t2(s.y) ^ t3(s.z));
}

// SubBytes and ShiftRows: the last round has no MixColumns.
fn last_round_function(s: vec4<u32>) -> vec4<u32> {
    return vec4<u32>(
        (sbox(s.x >> 24u) << 24u) | (sbox((s.y >> 16u) & 0xffu) << 16u)
            | (sbox((s.z >> 8u) & 0xffu) << 8u) | sbox(s.w & 0xffu),
        (sbox(s.y >> 24u) << 24u) | (sbox((s.z >> 16u) & 0xffu) << 16u)
            | (sbox((s.w >> 8u) & 0xffu) << 8u) | sbox(s.x & 0xffu),
        (sbox(s.z >> 24u) << 24u) | (sbox((s.w >> 16u) & 0xffu) << 16u)
            | (sbox((s.x >> 8u) & 0xffu) << 8u) | sbox(s.y & 0xffu),
        (sbox(s.w >> 24u) << 24u) | (sbox((s.x >> 16u) & 0xffu) << 16u)
            | (sbox((s.y >> 8u) & 0xffu) << 8u) | sbox(s.z & 0xffu));
}

// The block under the key whose second half is `high`. `first_round` is the block
// after round 1's function, before its round key: it depends only on the key's first
// half, which every key of the run shares, so it is computed once per invocation.
fn encrypt(high: vec4<u32>, first_round: vec4<u32>) -> vec4<u32> {
    // The schedule (FIPS 197 §5.2, Nk = 8), eight words at a time: a holds the words
    // of the even round keys, b of the odd ones.
    var a = params.key_low;
    var b = high;
    var s = first_round ^ b;
    var rcon = 1u;
    for (var round = 2u; round < 14u; round += 2u) {
        let r = b.w;
        a.x ^= sub_word((r << 8u) | (r >> 24u)) ^ (rcon << 24u);
        a.y ^= a.x;
        a.z ^= a.y;
        a.w ^= a.z;
        rcon <<= 1u;
        s = round_function(s) ^ a;
        b.x ^= sub_word(a.w);
        b.y ^= b.x;
        b.z ^= b.y;
        b.w ^= b.z;
        s = round_function(s) ^ b;
    }
    let r = b.w;
    a.x ^= sub_word((r << 8u) | (r >> 24u)) ^ (rcon << 24u);
    a.y ^= a.x;
    a.z ^= a.y;
    a.w ^= a.z;
    return last_round_function(s) ^ a;
}

fn byte_swap(x: vec4<u32>) -> vec4<u32> {
    return (x << vec4<u32>(24u)) | ((x & vec4<u32>(0xff00u)) << vec4<u32>(8u))
        | ((x >> vec4<u32>(8u)) & vec4<u32>(0xff00u)) | (x >> vec4<u32>(24u));
}

// The 128-bit number of four little-endian words, shifted left by one byte.
fn next_byte(x: vec4<u32>) -> vec4<u32> {
    return (x << vec4<u32>(8u)) | vec4<u32>(0u, x.x >> 24u, x.y >> 24u, x.z >> 24u);
}

// key_search::plausible_utf8_start, word by word.
fn plausible(text: vec4<u32>) -> bool {
    let high = vec4<u32>(0x80808080u);
    let bit7 = text & high;
    let bit6 = (text << vec4<u32>(1u)) & high;
    let continuation = bit7 & ~bit6;
    let leading = bit7 & bit6;
    let orphan = continuation & ~next_byte(bit7);
    let unfinished = next_byte(leading) & ~continuation & params.high_bits;
    let too_high = leading & (text << vec4<u32>(2u)) & (text << vec4<u32>(3u))
        & (text << vec4<u32>(4u));
    let bad = orphan | unfinished | too_high;
    return (bad.x | bad.y | bad.z | bad.w) == 0u;
}

@compute @workgroup_size(256)
fn search(@builtin(local_invocation_index) local: u32,
          @builtin(workgroup_id) group: vec3<u32>,
          @builtin(num_workgroups) groups: vec3<u32>) {
    te[local] = table[local];
    workgroupBarrier();
    let first_round = round_function(params.block ^ params.key_low);
    let invocation = (group.y * groups.x + group.x) * WORKGROUP + local;
    let first_lo = params.range.x;
    let first_hi = params.range.y;
    let count = params.range.z;
    for (var k = 0u; k < PER_INVOCATION; k++) {
        let offset = invocation * PER_INVOCATION + k;
        if (offset >= count) {
            break;
        }
        let lo = first_lo + offset;
        let hi = first_hi + select(0u, 1u, lo < offset);
        let high = params.key_high
            | (vec4<u32>(0u, 0u, hi, lo) & params.secret_mask);
        let text = (byte_swap(encrypt(high, first_round)) ^ params.head) & params.mask;
        var keep: bool;
        if (MODE == 1u) {
            keep = plausible(text);
        } else if (MODE == 2u) {
            keep = true;
        } else {
            // Depends on every word of the result, so that none of the work is left
            // out, and is (all but) never true.
            keep = all(text == params.high_bits) && text.x == 0x9e3779b9u;
        }
        if (keep) {
            let slot = atomicAdd(&hits[0], 1u);
            if (slot < params.range.w) {
                atomicStore(&hits[1u + 5u * slot], offset);
                atomicStore(&hits[2u + 5u * slot], text.x);
                atomicStore(&hits[3u + 5u * slot], text.y);
                atomicStore(&hits[4u + 5u * slot], text.z);
                atomicStore(&hits[5u + 5u * slot], text.w);
            }
        }
    }
}
