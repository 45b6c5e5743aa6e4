# hint.py N CODE: print hint N of this exercise, opened with the code your teacher gave
import base64, hashlib, json, os, sys, textwrap
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if len(sys.argv) != 3 or not sys.argv[1].isdigit():
    sys.exit("usage: python3 tools/hint.py N CODE   (N: the hint's number; CODE: from your teacher)")
level = int(sys.argv[1])
# Crockford's base32: any case, dashes and spaces ignored, O read as 0, I and L as 1.
code = "".join(c for c in sys.argv[2].upper() if c.isalnum()).translate(str.maketrans("OIL", "011"))
here = os.path.dirname(os.path.abspath(__file__))
hints = json.load(open(os.path.join(here, "..", "hints.json")))["hints"]
hint = next((h for h in hints if h["level"] == level), None)
if hint is None:
    sys.exit(f"this worksheet has hints 1 to {len(hints)}")
key = hashlib.sha256(b"doormat/hint/1\n" + code.encode()).digest()
try:
    text = AESGCM(key).decrypt(base64.b64decode(hint["nonce"]), base64.b64decode(hint["sealed"]),
                               f"doormat/hint/1\n{level}".encode())
except InvalidTag:
    sys.exit(f"that code does not open hint {level}: check it, and its number, with your teacher")
print(textwrap.fill(f"Hint {level}: {text.decode()}", width=79))
