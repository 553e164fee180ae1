"""Image facts without starting anything: config, size, and a listing of the files.

The files come from a container that is created but never started, exported
as a tar stream and read once; this works on shell-less images (distroless,
scratch). The entrypoint binary is read with pyelftools so a dynamically
linked program on an image without its loader is diagnosed before it runs.
"""

from __future__ import annotations

import io
import posixpath
import stat
import tarfile
from dataclasses import dataclass, field

import docker
from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

SHELLS = ("/bin/sh", "/bin/bash", "/bin/ash", "/bin/dash", "/busybox/sh", "/bin/busybox", "/usr/bin/bash",
          "/usr/bin/sh", "/usr/bin/dash", "/busybox/busybox")
PACKAGE_MANAGERS = ("/usr/bin/apt", "/usr/bin/apt-get", "/usr/bin/dpkg", "/sbin/apk", "/usr/bin/yum",
                    "/usr/bin/dnf", "/usr/bin/pip", "/usr/bin/pip3", "/usr/local/bin/pip", "/usr/local/bin/npm")
TOOLCHAINS = ("/usr/local/go/bin/go", "/usr/bin/gcc", "/usr/bin/cc", "/usr/bin/g++", "/usr/bin/make",
              "/usr/local/cargo/bin/rustc", "/usr/bin/javac", "/usr/bin/go")
SOURCE_SUFFIXES = (".go", ".c", ".cc", ".cpp", ".h", ".rs", ".java")
SOURCE_NAMES = ("go.mod", "go.sum", "Cargo.toml", "Makefile", "Dockerfile")
MAX_ELF_BYTES = 256 * 1024 * 1024


@dataclass
class ImageFacts:
    """What the trainer learned about a built image."""

    image_id: str
    size: int
    user: str
    entrypoint: list[str]
    cmd: list[str]
    working_dir: str
    shells: list[str] = field(default_factory=list)
    package_managers: list[str] = field(default_factory=list)
    toolchains: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    setuid: list[str] = field(default_factory=list)
    file_count: int = 0
    program: str = ""
    interpreter: str = ""
    """The ELF loader the program asks for ('' when static or not ELF)."""
    missing_interpreter: bool = False

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class _StreamReader(io.RawIOBase):
    """A file-like view of the SDK's export chunks, for tarfile's stream mode."""

    def __init__(self, chunks) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def _program(entrypoint: list[str], cmd: list[str], working_dir: str) -> str:
    argv = (entrypoint or []) + (cmd or [])
    if not argv:
        return ""
    first = argv[0]
    if not first.startswith("/"):
        first = posixpath.join(working_dir or "/", first)
    return posixpath.normpath(first)


def inspect_image(client: docker.DockerClient, image_id: str, labels: dict[str, str]) -> ImageFacts:
    """Config and file facts of an image; the container it creates is removed before returning."""
    image = client.images.get(image_id)
    config = image.attrs.get("Config") or {}
    facts = ImageFacts(image_id, int(image.attrs.get("Size") or 0), config.get("User") or "",
                       config.get("Entrypoint") or [], config.get("Cmd") or [], config.get("WorkingDir") or "")
    facts.program = _program(facts.entrypoint, facts.cmd, facts.working_dir)
    container = client.containers.create(image_id, command=["/nonexistent"], labels=labels,
                                         network_mode="none")
    links: dict[str, str] = {}
    present: set[str] = set()
    members: list[tuple[str, tarfile.TarInfo]] = []

    def program_candidates(known_links: dict[str, str]) -> set[str]:
        # The tar lists /bin before /usr/bin, so links seen so far resolve the program's path.
        return {facts.program, resolve(facts.program, known_links)}

    try:
        with tarfile.open(fileobj=io.BufferedReader(_StreamReader(container.export(chunk_size=1 << 20))),
                          mode="r|") as tar:
            for member in tar:
                path = posixpath.normpath("/" + member.name.removeprefix("./"))
                present.add(path)
                facts.file_count += 1
                if member.issym():
                    links[path] = posixpath.normpath(posixpath.join(posixpath.dirname(path), member.linkname))
                if member.isfile() or member.issym() or member.islnk():
                    members.append((path, member))
                if member.isfile() and member.size <= MAX_ELF_BYTES and path in program_candidates(links):
                    facts.interpreter = _elf_interpreter(tar.extractfile(member))
    finally:
        container.remove(force=True)
    # Classify by real location: on merged-/usr images /bin/sh is /usr/bin/sh.
    for path, member in members:
        _classify(facts, resolve(path, links), member)
    for name in ("shells", "package_managers", "toolchains", "sources", "setuid"):
        setattr(facts, name, list(dict.fromkeys(getattr(facts, name))))
    if facts.interpreter:
        facts.missing_interpreter = resolve(facts.interpreter, links) not in present
    return facts


def resolve(path: str, links: dict[str, str], depth: int = 0) -> str:
    """A path with every symbolic link in it followed, as the image's filesystem would."""
    if depth > 20:
        return path
    parts = path.strip("/").split("/")
    for index in range(1, len(parts) + 1):
        prefix = "/" + "/".join(parts[:index])
        if prefix in links:
            rest = "/".join(parts[index:])
            target = posixpath.normpath(posixpath.join(links[prefix], rest)) if rest else links[prefix]
            return resolve(target, links, depth + 1)
    return path


def _classify(facts: ImageFacts, path: str, member: tarfile.TarInfo) -> None:
    if path in SHELLS:
        facts.shells.append(path)
    elif path in PACKAGE_MANAGERS:
        facts.package_managers.append(path)
    elif path in TOOLCHAINS:
        facts.toolchains.append(path)
    name = posixpath.basename(path)
    if (name.endswith(SOURCE_SUFFIXES) or name in SOURCE_NAMES) and not path.startswith(("/usr/", "/etc/")):
        if len(facts.sources) < 50:
            facts.sources.append(path)
    if member.isfile() and member.mode & (stat.S_ISUID | stat.S_ISGID):
        facts.setuid.append(path)


def _elf_interpreter(handle) -> str:
    """The PT_INTERP path of an ELF file, '' for a static or non-ELF file."""
    if handle is None:
        return ""
    data = handle.read()
    try:
        elf = ELFFile(io.BytesIO(data))
        for segment in elf.iter_segments():
            if segment["p_type"] == "PT_INTERP":
                return segment.get_interp_name()
    except (ELFError, ValueError, KeyError):
        return ""
    return ""
