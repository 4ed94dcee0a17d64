"""SoftHSM2 tokens for tests, the benchmark and demo data.

The SoftHSM PKCS#11 library reads SOFTHSM2_CONF once, when it is first initialised in a
process, and python-pkcs11 keeps that initialised library for the life of the process. So
the rule is ONE SoftHSM directory per process: create it, `activate()` it, and create its
tokens before anything opens a PKCS#11 session. A second SoftHSM directory activated later
in the same process is silently ignored by the already loaded library.

Always pass `module_path()` to PKCS#11 code: the same library under two different paths
(one is a symlink to the other on Debian) counts as two libraries for python-pkcs11, and
the second fails to initialise.

Tokens created after the library was loaded stay invisible until `SoftHSM.reload_library()`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pkcs11

from capuyso.signing.devpki import Identity

_MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)


def module_path() -> str | None:
    """Path of libsofthsm2.so (always the same one in a given installation), or None."""
    for candidate in _MODULE_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return None


def available() -> bool:
    """softhsm2-util and pkcs11-tool are on PATH and the PKCS#11 module is installed."""
    return bool(shutil.which("softhsm2-util") and shutil.which("pkcs11-tool") and module_path())


@dataclass(frozen=True)
class TokenInfo:
    """What a test needs to open a token and sign with the identity imported into it."""

    label: str
    pin: str
    key_label: str
    key_id: str
    module_path: str
    identity: Identity


class SoftHSM:
    """A SoftHSM2 configuration and token store inside `directory` (one per process)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.token_dir = self.directory / "tokens"
        self.token_dir.mkdir(parents=True, exist_ok=True)
        self.conf_path = self.directory / "softhsm2.conf"
        self.conf_path.write_text(
            f"directories.tokendir = {self.token_dir}\n"
            "objectstore.backend = file\n"
            "log.level = ERROR\n",
            encoding="utf-8",
        )

    def activate(self) -> None:
        """Point this process's SoftHSM library at this directory (before its first load)."""
        os.environ["SOFTHSM2_CONF"] = str(self.conf_path)

    def reload_library(self) -> None:
        """Re-initialise the loaded PKCS#11 library so it sees tokens created since it loaded.

        Finalising the library closes every PKCS#11 session of the process: call this only
        between tests, never while something is signing.
        """
        module = module_path()
        if module is None:
            raise RuntimeError("SoftHSM2 PKCS#11 module (libsofthsm2.so) not found.")
        pkcs11.lib(module).reinitialize()

    def create_token(self, label: str, user_pin: str, so_pin: str = "12345678") -> None:
        self._run(
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            user_pin,
            "--so-pin",
            so_pin,
        )

    def import_identity(
        self,
        label: str,
        user_pin: str,
        identity: Identity,
        key_label: str,
        key_id: str = "01",
    ) -> None:
        """Store the identity's private key and certificate on token `label`.

        `key_id` is hexadecimal; key and certificate share it and `key_label`.
        """
        module = module_path()
        if module is None:
            raise RuntimeError("SoftHSM2 PKCS#11 module (libsofthsm2.so) not found.")
        with self._private_file(".pem", identity.key_pem()) as key_file:
            self._run(
                "softhsm2-util",
                "--import",
                str(key_file),
                "--token",
                label,
                "--label",
                key_label,
                "--id",
                key_id,
                "--pin",
                user_pin,
            )
        with self._private_file(".der", identity.cert_der()) as cert_file:
            self._run(
                "pkcs11-tool",
                "--module",
                module,
                "--token-label",
                label,
                "--login",
                "--pin",
                user_pin,
                "--write-object",
                str(cert_file),
                "--type",
                "cert",
                "--id",
                key_id,
                "--label",
                key_label,
            )

    @contextmanager
    def _private_file(self, suffix: str, content: bytes) -> Iterator[Path]:
        """A 0600 file inside the SoftHSM directory that exists only inside the block."""
        path = self.directory / f".import-{secrets.token_hex(8)}{suffix}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            yield path
        finally:
            path.unlink(missing_ok=True)

    def _run(self, program: str, *args: str) -> None:
        executable = shutil.which(program)
        if executable is None:
            raise RuntimeError(f"{program} is not installed (needed for SoftHSM tokens).")
        env = {**os.environ, "SOFTHSM2_CONF": str(self.conf_path)}
        try:
            subprocess.run(  # noqa: S603 (fixed program, arguments are ours)
                [executable, *args], env=env, check=True, capture_output=True, text=True
            )
        except subprocess.CalledProcessError as exc:
            # The command line holds the PIN: report the program and its output only.
            output = (exc.stderr or "").strip() or (exc.stdout or "").strip()
            raise RuntimeError(
                f"{program} {args[0]} failed (exit {exc.returncode}): {output}"
            ) from None
