"""Installing packs: folders and tarballs, hostile archives refused with nothing written outside."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from trainer.pack_install import add_pack, list_packs, remove_pack
from trainer.packs import PackError, find_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "id: demo\ntitle: Demo\nstartup:\n  running: {seconds: 1}\n"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("CKS_TRAINER_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _pack_files() -> dict[str, bytes]:
    return {"pack.yaml": b"id: demo-pack\ntitle: Demo pack\n", "scenarios/demo/scenario.yaml": SCENARIO.encode(),
            "scenarios/demo/task.md": b"Fix it.", "scenarios/demo/Dockerfile": b"FROM busybox:1.36\n",
            "solutions/demo/Dockerfile": b"FROM busybox:1.36 AS b\nFROM scratch\nCOPY --from=b /x /x\nUSER 1\n"}


def _tar(path: Path, extra: list[tarfile.TarInfo] = (), prefix: str = "demo-pack/", mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tar:
        for name, data in _pack_files().items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            data = b"evil" if info.isfile() else b""
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
    return path


def _member(name: str, kind=tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


def test_install_from_a_tarball_list_and_remove(tmp_path, home):
    pack = add_pack(_tar(tmp_path / "demo.tar.gz"))
    assert pack.id == "demo-pack" and (home / "packs" / "demo-pack" / "pack.yaml").is_file()
    assert [p.id for p in list_packs()] == ["demo-pack"]
    assert find_scenario("demo-pack/demo").title == "Demo"
    with pytest.raises(PackError, match="already installed"):
        add_pack(_tar(tmp_path / "again.tar.gz"))
    assert add_pack(_tar(tmp_path / "again2.tar.gz"), replace=True).id == "demo-pack"
    remove_pack("demo-pack")
    assert list_packs() == []
    with pytest.raises(PackError, match="no installed pack"):
        remove_pack("demo-pack")
    with pytest.raises(PackError, match="cannot be removed"):
        remove_pack("builtin")


def test_install_from_a_folder(tmp_path):
    folder = tmp_path / "src"
    for name, data in _pack_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    assert add_pack(folder).id == "demo-pack"


HOSTILE = {
    "parent traversal": (_member("../../escape.txt"), "points outside the pack"),
    "absolute path": (_member("/tmp/abs-escape.txt"), "points outside the pack"),
    "symlink": (_member("demo-pack/scenarios/demo/link", tarfile.SYMTYPE, "/etc/passwd"), "is a link"),
    "hardlink out": (_member("demo-pack/hard", tarfile.LNKTYPE, "/etc/passwd"), "is a link"),
    "device": (_member("demo-pack/null", tarfile.CHRTYPE), "not a regular file or folder"),
    "fifo": (_member("demo-pack/fifo", tarfile.FIFOTYPE), "not a regular file or folder"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archives_are_refused_and_write_nothing(tmp_path, home, case):
    member, message = HOSTILE[case]
    canary = tmp_path / "canary"
    canary.mkdir()
    (canary / "keep.txt").write_text("untouched")
    def outside_home() -> list[str]:
        return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if home not in p.parents and p != home)

    before = outside_home()
    with pytest.raises(PackError, match=message):
        add_pack(_tar(tmp_path / "evil.tar.gz", [member]))
    (tmp_path / "evil.tar.gz").unlink()
    assert outside_home() == before
    assert (canary / "keep.txt").read_text() == "untouched"
    assert not (home / "packs").exists() or not any((home / "packs").iterdir())
    assert not Path("/tmp/abs-escape.txt").exists()


def test_a_compression_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("demo-pack/zeros")
        info.size = 40 * 1024 * 1024
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    with pytest.raises(PackError, match="compress more than"):
        add_pack(path)


def test_a_bad_pack_inside_a_good_archive_is_refused(tmp_path, home):
    path = tmp_path / "bad.tar"
    with tarfile.open(path, "w") as tar:
        data = b"id: Not Valid\ntitle: x\n"
        info = tarfile.TarInfo("pack.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(PackError, match=r"pack.yaml:1 \[id\]"):
        add_pack(path)
    assert not any((home / "packs").iterdir())


def test_not_a_tarball(tmp_path):
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(b"\x00not a tar at all" * 10)
    with pytest.raises(PackError, match="not a readable tar archive"):
        add_pack(path)


def test_cli_pack_add_list_remove(tmp_path, home):
    env_run = lambda *a: subprocess.run([sys.executable, "-m", "trainer", "pack", *a], capture_output=True,  # noqa: E731
                                        text=True, cwd=ROOT)
    added = env_run("add", str(_tar(tmp_path / "demo.tar.gz")))
    assert added.returncode == 0 and "Installed pack demo-pack" in added.stdout
    listed = env_run("list")
    assert "builtin" in listed.stdout and "demo-pack" in listed.stdout
    listing = subprocess.run([sys.executable, "-m", "trainer", "list"], capture_output=True, text=True, cwd=ROOT)
    assert "demo-pack" in listing.stdout and "go-exam-staple" in listing.stdout
    removed = env_run("remove", "demo-pack")
    assert removed.returncode == 0
    evil = env_run("add", str(_tar(tmp_path / "evil.tar.gz", [_member("../x")])))
    assert evil.returncode == 2 and "points outside the pack" in evil.stderr and "Traceback" not in evil.stderr
