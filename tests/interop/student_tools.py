"""What a student can do with Python `cryptography` and docs/wire-format.md alone, no
doormat code: doormat's tests run each of these against doormat's own output.

usage:
  student_tools.py combine-shares OUT.pem SHARE...      rebuild a split escrow key
  student_tools.py unseal-vault VENDOR.pem ENTRY.json   print the device key's fingerprint
  student_tools.py unlock-phone VENDOR.pem PHONE.json   CLEAR: print the phone key's fingerprint
  student_tools.py open-leaves WORLD                    open every message via its LEAF
  student_tools.py brute-force WORLD ID                 try every short key of message ID
"""
import base64, hashlib, json, os, sys
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def b64(text):
    return base64.b64decode(text)


def aad(e):
    return ("doormat/1\n" + e["id"] + "\n" + e["from"] + "\n" + ",".join(e["to"])).encode()


def gf_mul(a, b):
    """Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11d)."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11D
        b >>= 1
    return product


def gf_inverse(a):
    result = 1
    for _ in range(254):  # a^254 = a^-1 in GF(2^8)
        result = gf_mul(result, a)
    return result


def combined_key(paths):
    """The private key the share files rebuild, by Lagrange interpolation at 0, byte by byte."""
    shares = [b64(json.load(open(p))["share"]) for p in paths]
    points = [(s[0], s[1:]) for s in shares]
    secret = bytearray(len(points[0][1]))
    for i, (xi, yi) in enumerate(points):
        weight = 1
        for j, (xj, _) in enumerate(points):
            if j != i:
                weight = gf_mul(weight, gf_mul(xj, gf_inverse(xj ^ xi)))
        for k, y in enumerate(yi):
            secret[k] ^= gf_mul(weight, y)
    return serialization.load_der_private_key(bytes(secret), password=None)


def combine_shares(out_path, paths):
    pem = combined_key(paths).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    open(out_path, "wb").write(pem)


def unseal_vault(vendor_path, entry_path):
    vendor = serialization.load_pem_private_key(open(vendor_path, "rb").read(), password=None)
    entry = json.load(open(entry_path))
    entry_key = vendor.decrypt(b64(entry["wrapped"]), OAEP)
    der = AESGCM(entry_key).decrypt(b64(entry["nonce"]), b64(entry["sealed"]),
                                    ("doormat/vault/1\n" + entry["device"]).encode())
    device_key = serialization.load_der_private_key(der, password=None)
    spki = device_key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    print("sha256:" + hashlib.sha256(spki).hexdigest())


def unlock_phone(vendor_path, phone_path):
    # CLEAR: the vault key decrypts the blob to the passcode; HKDF-SHA256 of the passcode
    # (no salt, the AAD as info) is the storage key; the storage holds the phone's key.
    vendor = serialization.load_pem_private_key(open(vendor_path, "rb").read(), password=None)
    phone = json.load(open(phone_path))
    passcode = vendor.decrypt(b64(phone["clear_blob"]), OAEP)
    info = ("doormat/clear/1\n" + phone["device"]).encode()
    storage_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(passcode)
    der = AESGCM(storage_key).decrypt(b64(phone["nonce"]), b64(phone["storage"]), info)
    device_key = serialization.load_der_private_key(der, password=None)
    spki = device_key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    print("sha256:" + hashlib.sha256(spki).hexdigest())


def open_leaves(world):
    family = b64(json.load(open(os.path.join(world, "keys/family.key")))["key"])
    halves = [json.load(open(os.path.join(world, f"keys/unit-agent-{i}.json")))["units"] for i in (1, 2)]
    units = {}
    for a, b in zip(halves[0], halves[1]):
        units[a["unit_id"]] = bytes(x ^ y for x, y in zip(b64(a["half"]), b64(b["half"])))
    for line in open(os.path.join(world, "capture.jsonl")):
        e = json.loads(line)
        nonce = b64(e["nonce"])
        decryptor = Cipher(algorithms.AES(family), modes.CTR(nonce + b"\0\0\0\0")).decryptor()
        leaf = decryptor.update(b64(e["leaf"])) + decryptor.finalize()
        wrapped, unit_id, checksum = leaf[:40], int.from_bytes(leaf[40:44], "big"), leaf[44:46]
        content_key = aes_key_unwrap(units[unit_id], wrapped)
        mac = hmac.HMAC(content_key, hashes.SHA256())
        mac.update(b"doormat/leaf/1" + nonce)
        assert mac.finalize()[:2] == checksum, e["id"]
        text = AESGCM(content_key).decrypt(nonce, b64(e["ct"]), aad(e))
        print(json.dumps({"id": e["id"], "from": e["from"], "to": e["to"], "text": text.decode()}))


def brute_force(world, message_id):
    bits = json.load(open(os.path.join(world, "world.json")))["parameters"]["bits"]
    e = next(json.loads(l) for l in open(os.path.join(world, "capture.jsonl")) if json.loads(l)["id"] == message_id)
    salt, nonce, ct = b64(e["salt"]), b64(e["nonce"]), b64(e["ct"])
    for secret in range(2 ** bits):
        try:
            text = AESGCM(salt + secret.to_bytes(5, "big")).decrypt(nonce, ct, aad(e))
        except InvalidTag:
            continue
        print(text.decode())
        return
    sys.exit("no key opens it")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"combine-shares": lambda: combine_shares(args[0], args[1:]),
     "unseal-vault": lambda: unseal_vault(*args),
     "unlock-phone": lambda: unlock_phone(*args),
     "open-leaves": lambda: open_leaves(*args),
     "brute-force": lambda: brute_force(*args)}[command]()
