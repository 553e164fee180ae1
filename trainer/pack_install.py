"""Install, list and remove packs in the user's data directory, from a folder or a tarball.

Archives come from other people, so intake is strict: size, member-count and
ratio caps checked while reading; only regular files and folders (links,
devices and the rest refused up front, whatever the tar filter would do);
extraction with tarfile's `data` filter into a fresh temporary folder that is
validated, then renamed into place, and deleted on any error.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from trainer.packs import Pack, PackError, installed_pack_roots, load_pack, packs_dir

MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_RATIO = 100


def _check_members(archive: Path, tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members, total = [], 0
    for member in tar:
        name = member.name
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or "\\" in name or "\0" in name:
            raise PackError(archive, f"member {name!r} points outside the pack")
        if not (member.isfile() or member.isdir()):
            kind = "a link" if member.issym() or member.islnk() else "not a regular file or folder"
            raise PackError(archive, f"member {name!r} is {kind}; packs may hold only regular files and folders")
        total += member.size
        members.append(member)
        if len(members) > MAX_MEMBERS:
            raise PackError(archive, f"has more than {MAX_MEMBERS} members")
        if total > MAX_UNPACKED_BYTES:
            raise PackError(archive, f"unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
    size = archive.stat().st_size
    if size and total / size > MAX_RATIO and total > 1024 * 1024:
        raise PackError(archive, f"expands {total // size}:1; archives that compress more than {MAX_RATIO}:1 are "
                                 f"refused")
    return members


def _unpack(archive: Path, into: Path) -> Path:
    """Extract a pack tarball into `into`; return the pack root inside it."""
    if archive.stat().st_size > MAX_ARCHIVE_BYTES:
        raise PackError(archive, f"is over {MAX_ARCHIVE_BYTES // 2**20} MiB")
    try:
        with tarfile.open(archive) as tar:
            members = _check_members(archive, tar)
            tar.extractall(into, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise PackError(archive, f"is not a readable tar archive: {exc}") from None
    if (into / "pack.yaml").is_file():
        return into
    tops = [p for p in into.iterdir()]
    if len(tops) == 1 and (tops[0] / "pack.yaml").is_file():
        return tops[0]
    raise PackError(archive, "holds no pack.yaml at its top (or in one top-level folder)")


def add_pack(source: Path, replace: bool = False) -> Pack:
    """Install a pack from a folder or a .tar/.tar.gz; returns the installed pack."""
    source = Path(source)
    target_dir = packs_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=target_dir))
    try:
        if source.is_dir():
            root = staging / "pack"
            load_pack(source)  # refuse a broken or hostile folder before copying anything
            shutil.copytree(source, root, symlinks=True,
                            ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__"))
        elif source.is_file():
            root = _unpack(source, staging / "pack")
        else:
            raise PackError(source, "no such file or folder")
        pack = load_pack(root)
        final = target_dir / pack.id
        if pack.id == "builtin":
            raise PackError(source, "the pack id 'builtin' is reserved for the built-in pack")
        if final.exists():
            if not replace:
                raise PackError(source, f"a pack with id {pack.id!r} is already installed "
                                        f"(remove it first, or add with --replace)")
            shutil.rmtree(final)
        root.rename(final)
        return load_pack(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def list_packs() -> list[Pack]:
    """The installed packs (not the built-in one)."""
    return [load_pack(root) for root in installed_pack_roots()]


def remove_pack(pack_id: str) -> Path:
    """Remove an installed pack by id; returns the folder that was removed."""
    if pack_id == "builtin":
        raise PackError(pack_id, "the built-in pack cannot be removed")
    for root in installed_pack_roots():
        if root.name == pack_id:
            shutil.rmtree(root)
            return root
    raise PackError(pack_id, "no installed pack has this id (see cks-trainer pack list)")
