"""Copy the built-in pack (pack.yaml, scenarios/, solutions/) into the wheel as trainer/_builtin."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithPack(build_py):
    """build_py that also ships the repository's own pack inside the package."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "trainer" / "_builtin"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copy2("pack.yaml", target / "pack.yaml")
        for folder in ("scenarios", "solutions"):
            shutil.copytree(folder, target / folder)


setup(cmdclass={"build_py": BuildWithPack})
