#!/usr/bin/env bash
# Installs what doormat's tests need and a fresh machine may lack: the openssl command,
# Python 3 with the cryptography package, 3.4 or later (the interop tests check doormat
# against both), Meta's reference PDQ (the `pdqhash` package and numpy), and Chromium (the --html pages are checked in a real browser). It does nothing when they are there. Python's package comes from
# pip where pip may install it, and from the system's packages where the system Python
# refuses pip (Debian and Ubuntu, PEP 668): python3-cryptography is 38.0.4 on Debian 12.
set -euo pipefail

recent_enough() {
    python3 -c "import cryptography, sys
v = tuple(int(p) for p in cryptography.__version__.split('.')[:2])
sys.exit(v < (3, 4))" 2>/dev/null
}

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: install $* with your system's package manager" >&2
        exit 1
    fi
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "$@"
}

if ! command -v openssl >/dev/null 2>&1; then
    apt_install openssl
fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
    && ! command -v google-chrome >/dev/null 2>&1; then
    apt_install chromium
fi
if ! recent_enough; then
    python3 -m pip install --quiet 'cryptography>=3.4' 2>/dev/null || apt_install python3-cryptography
fi
if ! recent_enough; then
    echo "setup: python3 ($(command -v python3)) still has no cryptography 3.4 or later;" \
        "install it for that Python, for example in a virtual environment" >&2
    exit 1
fi
# pdqhash is published as source only (Cython over Meta's C++): pip builds it, which
# takes a C++ compiler and Python's headers; Debian's system Python wants
# --break-system-packages for anything pip installs (PEP 668).
has_pdqhash() { python3 -c "import pdqhash, numpy" 2>/dev/null; }
if ! has_pdqhash; then
    python3 -m pip install --quiet 'numpy>=2' pdqhash 2>/dev/null || true
fi
if ! has_pdqhash; then
    apt_install g++ python3-dev python3-pip
    python3 -m pip install --quiet --break-system-packages 'numpy>=2' pdqhash
fi
if ! has_pdqhash; then
    echo "setup: python3 ($(command -v python3)) still cannot import pdqhash and numpy" >&2
    exit 1
fi
echo "setup: openssl $(openssl version | cut -d' ' -f2), python3 cryptography" \
    "$(python3 -c 'import cryptography; print(cryptography.__version__)'), pdqhash" \
    "$(python3 -c 'import importlib.metadata as m; print(m.version("pdqhash"))')," \
    "$( (chromium --version || chromium-browser --version || google-chrome --version) 2>/dev/null | head -1)"
