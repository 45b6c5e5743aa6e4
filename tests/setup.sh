#!/usr/bin/env bash
# Installs what doormat's tests need and a fresh machine may lack: the openssl command,
# Chromium (the --html pages are checked in a real browser), a Vulkan driver (the GPU
# key search's tests run its shader; with no GPU driver, Mesa's lavapipe runs it on the
# CPU), and a Python 3 with the cryptography package, 3.4 or later (the interop tests
# check doormat against it), and Meta's reference PDQ (the `pdqhash` package and
# numpy). It does nothing when they are there.
#
# Python: where python3 lets pip install (a pyenv or conda Python, a virtual environment
# already active), the packages go there. Where the system Python refuses pip (Debian
# and Ubuntu mark it "externally managed", PEP 668), the system is left alone: a
# virtual environment is made in target/test-python, and the tests use its python3
# (tests/it/util.rs, `python()`). Nothing is forced into the system Python.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/test-python
python=python3

recent_enough() {
    "$python" -c "import cryptography, sys
v = tuple(int(p) for p in cryptography.__version__.split('.')[:2])
sys.exit(v < (3, 4))" 2>/dev/null
}
has_pdqhash() { "$python" -c "import pdqhash, numpy" 2>/dev/null; }
# PEP 668: the distribution marks its Python as managed by apt, unless we are in a
# virtual environment (sys.prefix differs from sys.base_prefix there).
externally_managed() {
    python3 -c "import os, sys, sysconfig
managed = os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED'))
sys.exit(0 if managed and sys.prefix == sys.base_prefix else 1)" 2>/dev/null
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
# The Vulkan loader and at least one driver (an ICD): a GPU's own, or lavapipe.
vulkan_drivers() {
    ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null |
        xargs -r -n1 basename | sed 's/\.json$//' | paste -sd, -
}
if ! { ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' && [ -n "$(vulkan_drivers)" ]; }; then
    apt_install libvulkan1 mesa-vulkan-drivers
fi
if ! command -v python3 >/dev/null 2>&1; then
    apt_install python3
fi
# A virtual environment made by an earlier run is used as it is.
if [ -x "$venv/bin/python3" ]; then
    python="$venv/bin/python3"
elif externally_managed && ! { recent_enough && has_pdqhash; }; then
    if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
        apt_install python3-venv
    fi
    echo "setup: $(command -v python3) is managed by the system (PEP 668);" \
        "installing into a virtual environment in $venv" >&2
    python3 -m venv "$venv"
    python="$venv/bin/python3"
fi
if ! recent_enough; then
    "$python" -m pip install --quiet 'cryptography>=3.4' 2>/dev/null || true
fi
if ! recent_enough; then
    echo "setup: $python still has no cryptography 3.4 or later" >&2
    exit 1
fi
# pdqhash is published as source only (Cython over Meta's C++): pip builds it, which
# takes a C++ compiler and Python's headers.
if ! has_pdqhash; then
    "$python" -m pip install --quiet 'numpy>=2' pdqhash 2>/dev/null || true
fi
if ! has_pdqhash; then
    apt_install g++ python3-dev
    "$python" -m pip install --quiet 'numpy>=2' pdqhash
fi
if ! has_pdqhash; then
    echo "setup: $python still cannot import pdqhash and numpy" >&2
    exit 1
fi
echo "setup: openssl $(openssl version | cut -d' ' -f2), $python: cryptography" \
    "$("$python" -c 'import cryptography; print(cryptography.__version__)'), pdqhash" \
    "$("$python" -c 'import importlib.metadata as m; print(m.version("pdqhash"))')," \
    "$( (chromium --version || chromium-browser --version || google-chrome --version) 2>/dev/null | head -1)," \
    "Vulkan drivers: $(vulkan_drivers)"
