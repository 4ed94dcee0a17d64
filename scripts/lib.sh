# Shared helpers for scripts/setup-and-run, scripts/test and .ci/run.
# Source it from bash after `set -euo pipefail`; it defines functions and never exits on its own
# except through `die`.

CAPUYSO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export UV_PYTHON_DOWNLOADS=never # never fetch a Python build; use the one on this machine
MIN_PYTHON="3.12"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m!!\033[0m  %s\n' "$*" >&2; }
die() {
    printf '\033[1;31mxx\033[0m  %s\n' "$*" >&2
    exit 1
}

# Prints the real path of a Python interpreter that is at least $MIN_PYTHON.
_python_ok() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}
_python_real() {
    "$1" -c 'import sys; print(sys.executable)'
}
find_python() {
    local candidate
    local -a candidates=()
    [[ -n "${CAPUYSO_PYTHON:-}" ]] && candidates+=("$CAPUYSO_PYTHON")
    # On PATH (pyenv shims included: .python-version at the repo root selects 3.12).
    candidates+=(python3.12 python3.13 python3.14 python3 python)
    # pyenv installs that are not on PATH.
    local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    for candidate in "$pyenv_root"/versions/3.1[2-9]*/bin/python3; do
        [[ -x "$candidate" ]] && candidates+=("$candidate")
    done
    candidates+=(/usr/local/bin/python3.12 /usr/local/bin/python3.13 /usr/bin/python3.12 /usr/bin/python3.13)
    for candidate in "${candidates[@]}"; do
        if command -v "$candidate" >/dev/null 2>&1 && _python_ok "$candidate"; then
            _python_real "$candidate"
            return 0
        fi
    done
    # Last resort: an existing uv that knows of a suitable interpreter.
    if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
        candidate="$(uv python find ">=$MIN_PYTHON" 2>/dev/null || true)"
        if [[ -n "$candidate" ]] && _python_ok "$candidate"; then
            _python_real "$candidate"
            return 0
        fi
    fi
    return 1
}

# Sets the array UV to a working uv command, installing uv with pip --user when needed.
UV=()
find_uv() {
    local py="$1"
    if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
        UV=(uv)
    elif "$py" -m uv --version >/dev/null 2>&1; then
        UV=("$py" -m uv)
    elif [[ -x "$HOME/.local/bin/uv" ]] && "$HOME/.local/bin/uv" --version >/dev/null 2>&1; then
        UV=("$HOME/.local/bin/uv")
    else
        say "Installing uv for $py (pip --user)"
        if ! "$py" -m pip --version >/dev/null 2>&1; then
            "$py" -m ensurepip --user >/dev/null 2>&1 || die "$py has no pip; install python3-pip or uv first"
        fi
        "$py" -m pip install --user --quiet uv 2>/dev/null ||
            "$py" -m pip install --user --quiet --break-system-packages uv ||
            die "Could not install uv with $py -m pip"
        UV=("$py" -m uv)
    fi
}

# Creates or updates .venv from uv.lock (all dependency groups, so that scripts/test and
# scripts/setup-and-run never undo each other's work).
sync_env() {
    local py
    py="$(find_python)" || die "Python >= $MIN_PYTHON not found. Install it (pyenv install 3.12, or apt/deadsnakes) or set CAPUYSO_PYTHON."
    find_uv "$py"
    say "Syncing .venv with uv.lock (Python: $py, uv: ${UV[*]})"
    (cd "$CAPUYSO_ROOT" && "${UV[@]}" sync --frozen --python "$py" --quiet) ||
        die "uv sync failed (see above)"
}

# Runs a command as root: directly, or through passwordless sudo. Fails when neither works.
as_root() {
    if [[ "$(id -u)" == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo "$@"
    else
        return 1
    fi
}

can_be_root() {
    [[ "$(id -u)" == 0 ]] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }
}

# ensure_packages PKG...: installs the Debian packages that are missing, when apt-get and root
# (or passwordless sudo) are available. Returns 1 if something is still missing.
ensure_packages() {
    local pkg
    local -a missing=()
    command -v dpkg-query >/dev/null 2>&1 || {
        warn "Not a Debian system; make sure these are installed: $*"
        return 1
    }
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    if ! command -v apt-get >/dev/null 2>&1 || ! can_be_root; then
        warn "Missing system packages: ${missing[*]} (not root and no passwordless sudo: skipped)."
        warn "Install them with: sudo apt-get install ${missing[*]}"
        return 1
    fi
    say "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
        as_root apt-get update -q >/dev/null 2>&1 || true
        as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || {
            warn "apt-get could not install: ${missing[*]}"
            return 1
        }
    fi
}

# OCR of scanned archive items: OCRmyPDF with Tesseract and its Vietnamese data (about 200 MB).
# Without them scans are stored without text and their pages say OCR is unavailable.
ensure_ocr_packages() {
    ensure_packages tesseract-ocr tesseract-ocr-vie ocrmypdf ||
        warn "Continuing without OCR (tesseract-ocr, tesseract-ocr-vie, ocrmypdf): scans are stored without text."
}

# The system packages the test suite uses. Signing tests use a real SoftHSM2 token (softhsm2,
# opensc) and LibreOffice for DOCX → PDF; the VietQR tests read the generated QR images back with
# zbarimg (zbar-tools). Without them those tests skip or take another path, with a warning.
ensure_test_packages() {
    ensure_packages softhsm2 opensc libreoffice-writer-nogui fonts-liberation2 ||
        warn "Some signing tests will be skipped (softhsm2/opensc/libreoffice missing)."
    ensure_packages zbar-tools ||
        warn "The VietQR image read-back tests will be skipped (zbar-tools missing)."
    ensure_ocr_packages
}
