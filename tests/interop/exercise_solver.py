"""Solves doormat's exercises the way a student would: Python `cryptography`, `openssl`,
docs/wire-format.md and the bundle's README.md; no doormat code. doormat's tests run it on
fresh bundles and grade what it prints with `doormat exercise check`.

usage: exercise_solver.py KIND BUNDLE      prints the flag it found
"""
import base64, glob, json, os, re, subprocess, sys, tempfile
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from student_tools import combined_key  # Shamir over GF(2^8), polynomial 0x11d

OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
FLAG = re.compile(r"doormat\{[0-9a-f]{20}\}")


def envelopes(bundle):
    return [json.loads(line) for line in open(os.path.join(bundle, "capture.jsonl"))]


def aad(e):
    return ("doormat/1\n" + e["id"] + "\n" + e["from"] + "\n" + ",".join(e["to"])).encode()


def open_text(e, content_key):
    nonce, ct = base64.b64decode(e["nonce"]), base64.b64decode(e["ct"])
    return AESGCM(content_key).decrypt(nonce, ct, aad(e)).decode()


def load_key(path):
    return serialization.load_pem_private_key(open(path, "rb").read(), password=None)


def opened_with(bundle, key, slot):
    """{id: text} of every envelope whose `slot` (a reader's name, or "escrow") the key opens."""
    out = {}
    for e in envelopes(bundle):
        wrapped = e.get("escrow") if slot == "escrow" else e.get("wrapped", {}).get(slot)
        if wrapped:
            out[e["id"]] = open_text(e, key.decrypt(base64.b64decode(wrapped), OAEP))
    return out


def openssl_decrypt(key_path, blob_b64):
    """RSA-OAEP (SHA-256) with openssl, as docs/wire-format.md's worked example does it."""
    with tempfile.TemporaryDirectory() as tmp:
        blob, out = os.path.join(tmp, "blob.bin"), os.path.join(tmp, "out.bin")
        open(blob, "wb").write(base64.b64decode(blob_b64))
        subprocess.run(["openssl", "pkeyutl", "-decrypt", "-inkey", key_path, "-in", blob,
                        "-out", out, "-pkeyopt", "rsa_padding_mode:oaep",
                        "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"],
                       check=True)
        return open(out, "rb").read()


def leaked_golden_key(bundle):
    # The README names a day, a sender and the recipients.
    task = open(os.path.join(bundle, "README.md")).read()
    m = re.search(r"On day \d+ \(t = (\d+) to (\d+)\), (\w+) sent a message to ([\w ]+)\.", task)
    first, last, sender, to = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4).split(" and ")
    for e in envelopes(bundle):
        if not (first <= e["t"] <= last and e["from"] == sender and e["to"] == to):
            continue
        # The RSA part with openssl, as docs/wire-format.md's worked example does.
        key = openssl_decrypt(os.path.join(bundle, "leaks", "escrow.pem"), e["escrow"])
        found = FLAG.search(open_text(e, key))
        if found:
            return found.group(0)


def user_key_vs_escrow(bundle):
    leaks = os.path.join(bundle, "leaks")
    user = next(os.path.basename(p)[:-4] for p in glob.glob(leaks + "/*.pem")
                if not p.endswith("escrow.pem"))
    by_escrow = opened_with(bundle, load_key(os.path.join(leaks, "escrow.pem")), "escrow")
    by_user = opened_with(bundle, load_key(os.path.join(leaks, user + ".pem")), user)
    print(f"escrow key opens {len(by_escrow)}, {user}'s key opens {len(by_user)}", file=sys.stderr)
    only_escrow = [text for id, text in by_escrow.items() if id not in by_user]
    return next(FLAG.search(t).group(0) for t in only_escrow if FLAG.search(t))


def split_key(bundle):
    paths = glob.glob(os.path.join(bundle, "leaks", "**", "*.share"), recursive=True)
    key = combined_key(paths)
    for text in opened_with(bundle, key, "escrow").values():
        if FLAG.search(text):
            return FLAG.search(text).group(0)


def short_key(bundle):
    """docs/wire-format.md: key = salt (27 bytes) ‖ 5 bytes whose top 40 - bits are zero."""
    message = re.search(r"Message (m\d+) holds your flag", open(os.path.join(bundle, "README.md")).read())
    bits = json.load(open(os.path.join(bundle, "world.json")))["parameters"]["bits"]
    e = next(e for e in envelopes(bundle) if e["id"] == message.group(1))
    salt, nonce, ct = (base64.b64decode(e[f]) for f in ("salt", "nonce", "ct"))
    for secret in range(2 ** bits):
        try:
            text = AESGCM(salt + secret.to_bytes(5, "big")).decrypt(nonce, ct, aad(e)).decode()
        except Exception:
            continue
        return FLAG.search(text).group(0)


def forward_secret_window(bundle):
    """docs/wire-format.md's follow.py (path in FOLLOW_PY) reads what the stolen phone opens."""
    snapshot = glob.glob(os.path.join(bundle, "leaks", "*.json"))[0]
    out = subprocess.run([sys.executable, os.environ["FOLLOW_PY"], bundle, snapshot],
                         check=True, capture_output=True, text=True).stdout
    texts = [json.loads(line)["text"] for line in out.splitlines()]
    return next(FLAG.search(t).group(0) for t in texts if FLAG.search(t))


def leaf_forgery(bundle):
    """Blaze 1994: try random LEAFs until the receiver's 16-bit checksum passes.
    docs/wire-format.md: LEAF = AES-256-CTR(family key, counter block nonce ‖ 00000000) of
    wrapped key (40) ‖ unit id (4, big-endian) ‖ HMAC-SHA256(content key,
    "doormat/leaf/1" ‖ nonce)[:2]."""
    from cryptography.hazmat.primitives import hmac as hmac_mod
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    family = base64.b64decode(json.load(open(os.path.join(bundle, "leaks", "family.key")))["key"])
    mine = json.load(open(os.path.join(bundle, "leaks", "my-message.json")))
    key, nonce = base64.b64decode(mine["content_key"]), base64.b64decode(mine["nonce"])
    mac = hmac_mod.HMAC(key, hashes.SHA256())
    mac.update(b"doormat/leaf/1" + nonce)
    expected = mac.finalize()[:2]

    def read(leaf):
        ctr = Cipher(algorithms.AES(family), modes.CTR(nonce + b"\0\0\0\0")).decryptor()
        return ctr.update(leaf) + ctr.finalize()

    genuine = next(e for e in envelopes(bundle) if e["id"] == mine["id"])
    genuine_unit = read(base64.b64decode(genuine["leaf"]))[40:44]
    tries = 0
    while True:
        tries += 1
        leaf = os.urandom(46)
        plain = read(leaf)
        if plain[44:] == expected and plain[40:44] != genuine_unit:
            print(f"forged after {tries} tries", file=sys.stderr)
            return "doormat{" + leaf.hex() + "}"


def dual_ec(bundle):
    """docs/wire-format.md, dual-ec: Dual_EC_DRBG over P-256. x(k·point) is an ECDH shared
    secret; x(k·P) the x of k's public key. One rnd and d give the sender's state."""
    from cryptography.hazmat.primitives.asymmetric import ec
    curve = ec.SECP256R1()
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

    def x_times(k, point):
        return ec.derive_private_key(int.from_bytes(k, "big") % n, curve).exchange(ec.ECDH(), point)

    def x_base(k):
        key = ec.derive_private_key(int.from_bytes(k, "big") % n, curve)
        return key.public_key().public_numbers().x.to_bytes(32, "big")

    world = json.load(open(os.path.join(bundle, "world.json")))
    q = ec.EllipticCurvePublicKey.from_encoded_point(curve, bytes.fromhex(world["parameters"]["dual_ec_q"]))
    d = ec.derive_private_key(int(json.load(open(os.path.join(bundle, "leaks", "designer.key")))["d"], 16), curve)

    def generate(state, length):
        out = b""
        while len(out) < length:
            state = x_base(state)
            out += x_times(state, q)[2:]
        return x_base(state), out[:length]

    task = open(os.path.join(bundle, "README.md")).read()
    target = re.search(r"Message (m\d+) holds your flag", task).group(1)
    sender = next(e["from"] for e in envelopes(bundle) if e["id"] == target)
    mine = sorted((e for e in envelopes(bundle) if e["from"] == sender), key=lambda e: e["t"])
    first, rnd = mine[0], base64.b64decode(mine[0]["rnd"])
    state = None
    for top in range(2 ** 16):
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x02" + top.to_bytes(2, "big") + rnd[:30])
        except ValueError:
            continue
        s2 = d.exchange(ec.ECDH(), point)
        if x_times(s2, q)[2:4] != rnd[30:32]:
            continue
        candidate, key = generate(x_base(s2), 32)
        try:
            open_text(first, key)
        except Exception:
            continue  # a false state: the 16-bit check passed, the full one did not
        state = candidate
        break
    for e in mine[1:]:
        state, predicted = generate(state, 32)
        assert predicted == base64.b64decode(e["rnd"])
        state, key = generate(state, 32)
        if e["id"] == target:
            return FLAG.search(open_text(e, key)).group(0)


def locked_phone(bundle):
    """CLEAR: the vendor's key opens the phone's passcode blob; the passcode, through HKDF,
    the phone's storage; the storage holds the phone's private key, which opens its history."""
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    phone_path = glob.glob(os.path.join(bundle, "seized", "*.json"))[0]
    phone = json.load(open(phone_path))
    passcode = openssl_decrypt(os.path.join(bundle, "leaks", "vendor.pem"), phone["clear_blob"])
    info = ("doormat/clear/1\n" + phone["device"]).encode()
    storage_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(passcode)
    der = AESGCM(storage_key).decrypt(base64.b64decode(phone["nonce"]),
                                      base64.b64decode(phone["storage"]), info)
    key = serialization.load_der_private_key(der, password=None)
    print(f"passcode {passcode.hex()[:8]}", file=sys.stderr)
    m = re.search(r"the message from (\w+) to ([\w ]+) at t = (\d+) holds your flag",
                  open(os.path.join(bundle, "README.md")).read())
    sender, to, t = m.group(1), m.group(2).split(" and "), int(m.group(3))
    target = next(e["id"] for e in envelopes(bundle)
                  if e["t"] == t and e["from"] == sender and e["to"] == to)
    return FLAG.search(opened_with(bundle, key, phone["device"])[target]).group(0)


kind, bundle = sys.argv[1], sys.argv[2]
flag = {"leaked-golden-key": leaked_golden_key, "user-key-vs-escrow": user_key_vs_escrow,
        "split-key": split_key, "short-key": short_key,
        "forward-secret-window": forward_secret_window, "leaf-forgery": leaf_forgery,
        "dual-ec": dual_ec, "locked-phone": locked_phone}[kind](bundle)
print(flag)
