"""The Double Ratchet's KDFs, computed from the spec's definitions with Python
`cryptography` (OpenSSL inside), for doormat's test to compare against its own.

Signal's "The Double Ratchet Algorithm" (2016), section 5.2, as doormat instantiates it:
  KDF_RK(rk, dh_out) = HKDF-SHA256(salt=rk, ikm=dh_out, info="doormat/1 ratchet root", 64)
  KDF_CK(ck)         = HMAC-SHA256(ck, 0x02) as the next chain key, HMAC-SHA256(ck, 0x01)
                       as the message key
  ENCRYPT(mk, pt, ad)= AES-256-GCM with key, nonce = HKDF-SHA256(salt=32 zero bytes,
                       ikm=mk, info="doormat/1 ratchet message", 44) split 32 + 12

Usage: ratchet_kdf.py RK_HEX DH_HEX CK_HEX AD_HEX PLAINTEXT_HEX
Prints one JSON object of hex strings.
"""
import json
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def hkdf(salt, ikm, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def hmac_sha256(key, data):
    h = hmac.HMAC(key, hashes.SHA256())
    h.update(data)
    return h.finalize()


rk, dh, ck, ad, pt = (bytes.fromhex(a) for a in sys.argv[1:6])
root = hkdf(rk, dh, b"doormat/1 ratchet root", 64)
mk = hmac_sha256(ck, b"\x01")
next_ck = hmac_sha256(ck, b"\x02")
okm = hkdf(b"\x00" * 32, mk, b"doormat/1 ratchet message", 44)
sealed = AESGCM(okm[:32]).encrypt(okm[32:], pt, ad)
print(json.dumps({
    "root_key": root[:32].hex(),
    "chain_key": root[32:].hex(),
    "message_key": mk.hex(),
    "next_chain_key": next_ck.hex(),
    "sealed": sealed.hex(),
}))
