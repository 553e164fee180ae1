"""Scenario packs: find, load and validate the shape of packs and their scenarios.

A pack is a folder with `pack.yaml`, `scenarios/<id>/` and `solutions/<id>/`.
The built-in pack is the repository's own `scenarios/` and `solutions/`
(copied into the wheel as `trainer/_builtin`). Every error names the file,
the field path and the line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from trainer import __version__
from trainer.checks import EXAM_CHECK_IDS, CheckSettings
from trainer.checks.settings import DEFAULT_MINIMAL_BASES
from trainer.probe import Probe
from trainer.safe_yaml import YamlError, line_of_key, load_yaml

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
DIFFICULTIES = ("easy", "medium", "hard")


class PackError(Exception):
    """A pack or scenario file that cannot be used; the message says where and why."""

    def __init__(self, path: Path | str, message: str, field_path: str = "", line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        field_text = f" [{field_path}]" if field_path else ""
        super().__init__(f"{where}{field_text}: {message}")
        self.path = str(path)
        self.field_path = field_path
        self.line = line
        self.reason = message


@dataclass
class Scenario:
    """One "fix this Dockerfile" task."""

    id: str
    title: str
    pack_id: str
    root: Path
    solution_root: Path
    difficulty: str = "medium"
    domain: str = "Supply Chain Security"
    weight: int = 4
    time_budget_minutes: int = 8
    file: str = "Dockerfile"
    settings: CheckSettings = field(default_factory=CheckSettings)
    probe: Probe | None = None
    hints: list[str] = field(default_factory=list)
    explanation: str = ""
    constraints: list[str] = field(default_factory=list)
    writable: bool = False
    starting_image: str = ""

    @property
    def task(self) -> str:
        """The task text (task.md)."""
        return (self.root / "task.md").read_text(encoding="utf-8")

    def summary(self) -> dict:
        """The fields `cks-trainer list --json` prints."""
        return {"id": self.id, "title": self.title, "pack": self.pack_id, "difficulty": self.difficulty,
                "weight": self.weight, "time_budget_minutes": self.time_budget_minutes, "domain": self.domain}


def builtin_pack_root() -> Path:
    """The built-in pack: the repository checkout, or the copy inside the installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_builtin", here.parent):
        if (candidate / "pack.yaml").is_file() and (candidate / "scenarios").is_dir():
            return candidate
    raise PackError(here, "the built-in pack is missing from this installation (reinstall cks-trainer)")


def _read_yaml(path: Path) -> tuple[dict, bytes]:
    try:
        if path.is_symlink():
            raise PackError(path, "is a symbolic link; pack files must be regular files")
        data = path.read_bytes()
    except FileNotFoundError:
        raise PackError(path, "file is missing") from None
    except OSError as exc:
        raise PackError(path, f"cannot be read: {exc.strerror}") from None
    try:
        value = load_yaml(data)
    except YamlError as exc:
        raise PackError(path, exc.message, line=exc.line) from None
    if not isinstance(value, dict):
        raise PackError(path, "must be a mapping of fields (key: value)", line=1)
    return value, data


class _Fields:
    """Typed access to a YAML mapping that raises located PackErrors."""

    def __init__(self, path: Path, data: bytes, mapping: dict, prefix: list[str | int] | None = None) -> None:
        self.path, self.data, self.mapping, self.prefix = path, data, mapping, prefix or []

    def error(self, key: str | int | None, message: str) -> PackError:
        parts = self.prefix + ([key] if key is not None else [])
        return PackError(self.path, message, ".".join(map(str, parts)), line_of_key(self.data, parts))

    def get(self, key: str, kind: type | tuple[type, ...], default=None, required: bool = False):
        if key not in self.mapping or self.mapping[key] is None:
            if required:
                raise self.error(key, "is required")
            return default
        value = self.mapping[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.error(key, f"must be {names}, not {type(value).__name__}")
        return value

    def only(self, allowed: set[str]) -> None:
        """Refuse fields the format does not have (usually a typo, which would otherwise be ignored)."""
        for key in self.mapping:
            if key not in allowed:
                close = sorted(allowed, key=lambda a: -_similarity(str(key), a))[0]
                raise self.error(str(key), f"is not a field of this file (did you mean {close!r}?)")

    def sub(self, key: str) -> _Fields | None:
        value = self.get(key, dict)
        return None if value is None else _Fields(self.path, self.data, value, self.prefix + [key])

    def strings(self, key: str) -> list[str]:
        values = self.get(key, list, [])
        for index, item in enumerate(values):
            if not isinstance(item, str):
                raise self.error(key, f"item {index} must be text")
        return values


def _similarity(a: str, b: str) -> float:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b).ratio()


SCENARIO_FIELDS = {"id", "title", "difficulty", "domain", "weight", "time_budget_minutes", "file", "checks",
                   "startup", "hints", "explanation", "constraints", "writable_root"}
PACK_FIELDS = {"id", "title", "version", "author", "license", "description", "min_trainer_version",
               "exam_presets"}
MAX_TEXT_BYTES = 256 * 1024
MAX_FILE_BYTES = 20 * 1024 * 1024


def _check_tree(root: Path) -> None:
    """Every entry of a pack is a regular file or folder of sane size; no links anywhere.

    Only the pack's own parts are walked: the built-in pack's root is the
    repository checkout, which also holds .git and a virtual environment.
    """
    parts = [root / "pack.yaml", root / "scenarios", root / "solutions"]
    entries = [p for p in parts if p.is_symlink() or p.exists()]
    for part in parts[1:]:
        if part.is_dir() and not part.is_symlink():
            entries += sorted(part.rglob("*"))
    for path in entries:
        if path.is_symlink():
            raise PackError(path, "is a symbolic link; packs may hold only regular files and folders")
        if path.is_dir():
            continue
        if not path.is_file():
            raise PackError(path, "is not a regular file (device, socket or pipe)")
        size = path.stat().st_size
        limit = MAX_TEXT_BYTES if path.suffix in (".md", ".yaml", ".yml") else MAX_FILE_BYTES
        if size > limit:
            raise PackError(path, f"is {size // 1024} KiB; the limit for this kind of file is {limit // 1024} KiB")


def _confined(root: Path, relative: str, fields: _Fields, key: str) -> Path:
    """A path inside the pack: no absolute paths, no `..`, no links."""
    if not relative or relative.startswith("/") or "\\" in relative or ".." in Path(relative).parts:
        raise fields.error(key, f"{relative!r} must be a relative path inside the scenario folder")
    path = root / relative
    if path.is_symlink():
        raise fields.error(key, f"{relative!r} is a symbolic link")
    return path


def load_scenario(folder: Path, pack_id: str, solutions: Path) -> Scenario:
    """Load and check one scenario folder."""
    yaml_path = folder / "scenario.yaml"
    mapping, data = _read_yaml(yaml_path)
    f = _Fields(yaml_path, data, mapping)
    f.only(SCENARIO_FIELDS)
    scenario_id = f.get("id", str, required=True)
    if not ID_PATTERN.match(scenario_id):
        raise f.error("id", f"{scenario_id!r} must be lower-case letters, digits and '-'")
    if scenario_id != folder.name:
        raise f.error("id", f"{scenario_id!r} must match the folder name {folder.name!r}")
    difficulty = f.get("difficulty", str, "medium")
    if difficulty not in DIFFICULTIES:
        raise f.error("difficulty", f"must be one of {', '.join(DIFFICULTIES)}")
    weight = f.get("weight", int, 4)
    if not 1 <= weight <= 100:
        raise f.error("weight", "must be between 1 and 100")
    budget = f.get("time_budget_minutes", int, 8)
    file_name = f.get("file", str, "Dockerfile")
    _confined(folder, file_name, f, "file")
    settings = CheckSettings()
    if checks := f.sub("checks"):
        checks.only({"apply", "allowed_bases", "required_user", "allow_source_copy", "build_args"})
        required_user = checks.get("required_user", (str, int))
        apply = checks.strings("apply") or None
        for check_id in apply or ():
            if check_id not in EXAM_CHECK_IDS:
                raise checks.error("apply", f"{check_id!r} is not an exam check ({', '.join(EXAM_CHECK_IDS)})")
        settings = CheckSettings(
            allowed_bases=tuple(checks.strings("allowed_bases")) or DEFAULT_MINIMAL_BASES,
            required_user=None if required_user is None else str(required_user),
            allow_source_copy=checks.get("allow_source_copy", bool, False),
            build_args={str(k): str(v) for k, v in (checks.get("build_args", dict, {}) or {}).items()},
            apply=tuple(apply) if apply else None,
        )
    probe = _load_probe(f.sub("startup"))
    for required in ("task.md", file_name):
        if not (folder / required).is_file():
            raise PackError(folder / required, "is missing from the scenario folder")
    return Scenario(
        id=scenario_id, title=f.get("title", str, required=True), pack_id=pack_id, root=folder,
        solution_root=solutions / scenario_id, difficulty=difficulty, domain=f.get("domain", str, "Supply Chain Security"),
        weight=weight, time_budget_minutes=budget, file=file_name, settings=settings, probe=probe,
        hints=f.strings("hints"), explanation=f.get("explanation", str, ""), constraints=f.strings("constraints"),
        writable=f.get("writable_root", bool, False),
    )


def _load_probe(f: _Fields | None) -> Probe | None:
    if f is None:
        return None
    kinds = [k for k in ("http", "exit", "running") if k in f.mapping]
    if len(kinds) != 1:
        raise f.error(None, "needs exactly one of http, exit or running")
    kind = kinds[0]
    f.only({"http", "exit", "running"})
    sub = f.sub(kind)
    if sub is None:
        raise f.error(kind, "must be a mapping")
    sub.only({"http": {"port", "path", "status", "body"}, "exit": {"code", "output"},
              "running": {"seconds"}}[kind])
    if kind == "http":
        port = sub.get("port", int, required=True)
        if not 1 <= port <= 65535:
            raise sub.error("port", "must be a TCP port (1-65535)")
        return Probe("http", port=port, path=sub.get("path", str, "/"), status=sub.get("status", int, 200),
                     body=sub.get("body", str, ""))
    if kind == "exit":
        return Probe("exit", code=sub.get("code", int, 0), output=sub.get("output", str, ""))
    seconds = sub.get("seconds", (int, float), 3)
    if not 0 < seconds <= 60:
        raise sub.error("seconds", "must be between 0 and 60")
    return Probe("running", seconds=float(seconds))


@dataclass(frozen=True)
class ExamPreset:
    """A named selection of scenarios for a mock exam, with weights that add up to 100."""

    name: str
    duration_minutes: int
    pass_mark: int
    weights: dict[str, int]


@dataclass
class Pack:
    """A loaded pack: its metadata and scenarios."""

    id: str
    title: str
    root: Path
    version: str = "1"
    author: str = ""
    license: str = ""
    description: str = ""
    presets: list[ExamPreset] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _load_presets(f: _Fields) -> list[ExamPreset]:
    presets = []
    for index, item in enumerate(f.get("exam_presets", list, [])):
        if not isinstance(item, dict):
            raise f.error("exam_presets", f"item {index} must be a mapping")
        sub = _Fields(f.path, f.data, item, ["exam_presets", index])
        sub.only({"name", "duration_minutes", "pass_mark", "scenarios"})
        weights = sub.get("scenarios", dict, required=True)
        for key, value in weights.items():
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise sub.error("scenarios", f"the weight of {key!r} must be a positive whole number")
        pass_mark = sub.get("pass_mark", int, 67)
        if not 1 <= pass_mark <= 100:
            raise sub.error("pass_mark", "must be a percentage (1-100)")
        presets.append(ExamPreset(sub.get("name", str, required=True), sub.get("duration_minutes", int, 120),
                                  pass_mark, {str(k): v for k, v in weights.items()}))
    return presets


def load_pack(root: Path) -> Pack:
    """Load a pack folder; raise PackError with a location on the first problem."""
    root = Path(root)
    if not root.is_dir():
        raise PackError(root, "is not a folder")
    _check_tree(root)
    mapping, data = _read_yaml(root / "pack.yaml")
    f = _Fields(root / "pack.yaml", data, mapping)
    f.only(PACK_FIELDS)
    pack_id = f.get("id", str, required=True)
    if not ID_PATTERN.match(pack_id):
        raise f.error("id", f"{pack_id!r} must be lower-case letters, digits and '-'")
    needs = str(f.get("min_trainer_version", (str, int, float), "0"))
    if _version_tuple(needs) > _version_tuple(__version__):
        raise f.error("min_trainer_version", f"the pack needs cks-trainer {needs}; this is {__version__} "
                                             f"(upgrade with pip install -U cks-trainer)")
    pack = Pack(pack_id, f.get("title", str, required=True), root, str(f.get("version", (str, int, float), "1")),
                f.get("author", str, ""), f.get("license", str, ""), f.get("description", str, ""),
                _load_presets(f))
    scenarios_dir = root / "scenarios"
    if not scenarios_dir.is_dir():
        raise PackError(scenarios_dir, "the pack has no scenarios/ folder")
    for folder in sorted(p for p in scenarios_dir.iterdir() if p.is_dir()):
        if folder.is_symlink():
            raise PackError(folder, "is a symbolic link; scenario folders must be real folders")
        pack.scenarios.append(load_scenario(folder, pack_id, root / "solutions"))
    return pack


def installed_scenarios() -> list[Scenario]:
    """Every scenario of the built-in pack and the installed packs."""
    scenarios = list(load_pack(builtin_pack_root()).scenarios)
    for root in installed_pack_roots():
        scenarios += load_pack(root).scenarios
    return scenarios


def installed_pack_roots() -> list[Path]:
    """Folders of packs the user installed (in the user's data directory)."""
    base = packs_dir()
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and (p / "pack.yaml").is_file())


def packs_dir() -> Path:
    """Where `pack add` installs packs (CKS_TRAINER_HOME overrides the user data directory)."""
    if home := os.environ.get("CKS_TRAINER_HOME"):
        return Path(home) / "packs"
    from platformdirs import user_data_path

    return user_data_path("cks-trainer") / "packs"


def find_scenario(scenario_id: str) -> Scenario:
    """An installed scenario by id (or `pack/id`)."""
    pack_id, _, wanted = scenario_id.rpartition("/")
    matches = [s for s in installed_scenarios() if s.id == wanted and (not pack_id or s.pack_id == pack_id)]
    if not matches:
        raise PackError(scenario_id, "no such scenario (see cks-trainer list)")
    return matches[0]
