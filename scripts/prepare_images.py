#!/usr/bin/env python3
"""Build local stand-ins for every base image the scenarios and tests use.

Machines without a container registry (air-gapped classrooms, CI) cannot
`docker pull`, yet grading needs `golang:1.22`, the distroless family and the
rest. This script builds faithful stand-ins from Debian packages and tags them
with the real upstream names:

- builders: debian:12, golang:1.22, node:20, python:3.11-slim, busybox:1.36;
- runtimes: gcr.io/distroless/{static,base,cc}[-debian12], nodejs20-debian12
  and python3-debian12, each as :latest, :nonroot, :debug and :debug-nonroot.

Faithful where grading can tell: the default user (numeric 65532 for the
nonroot tags, 0 otherwise), /etc/passwd and /etc/group, no shell outside the
debug tags, CA certificates and tzdata in static, the entrypoints.

Every stand-in carries the label org.cks-trainer.standin=true and a recipe
hash. An image whose tag already carries the current hash is skipped, so a
warm run takes about a second; an image present without the stand-in label
(a real upstream image) is left alone. When a registry answers, a missing
image is pulled instead of built.

Needs: root (debootstrap), debootstrap, npm (Node.js binaries come from the
npm registry), a Docker engine and the docker CLI.

Usage: scripts/prepare_images.py [--force] [--no-pull] [--only NAME ...] [--list]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

LABEL = "org.cks-trainer.standin"
SUITE = "bookworm"
NODE_VERSION = "20.20.0"
NPM_VERSION = "10.8.2"
YARN_VERSION = "1.22.22"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
VARIANTS = ("latest", "nonroot", "debug", "debug-nonroot")
NONROOT = 65532

# Packages each distroless layer unpacks (upstream's lists for debian12; no
# dependency resolution and no maintainer scripts, exactly as upstream).
STATIC_PACKAGES = "base-files netbase tzdata media-types"
BASE_PACKAGES = "libc6 libssl3"
CC_PACKAGES = "libgomp1 libstdc++6 libgcc-s1 gcc-12-base"
PYTHON_PACKAGES = (
    "libbz2-1.0 libdb5.3 libexpat1 liblzma5 libsqlite3-0 libuuid1 libncursesw6 libtinfo6 "
    "python3-distutils zlib1g libcom-err2 libcrypt1 libgssapi-krb5-2 libk5crypto3 "
    "libkeyutils1 libkrb5-3 libkrb5support0 libnsl2 libreadline8 libtirpc3 libffi8 "
    "libpython3.11-minimal libpython3.11-stdlib python3.11-minimal"
)

# Runs inside a throwaway debian:12 container with /out mounted; writes one
# tar per distroless layer. Kept as text so its hash is part of the recipes.
ASSEMBLE_LAYERS = r"""
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get -qq update
mkdir -p /w/debs && cd /w/debs
apt-get -qq -o APT::Sandbox::User=root download ca-certificates busybox-static \
    __STATIC__ __BASE__ __CC__ __PYTHON__
unpack() {
    layer=$1; shift
    mkdir -p "/w/$layer/var/lib/dpkg/status.d"
    for p in "$@"; do
        deb=$(ls /w/debs/"${p}"_*.deb)
        dpkg-deb -x "$deb" "/w/$layer"
        dpkg-deb -f "$deb" > "/w/$layer/var/lib/dpkg/status.d/$p"
        dpkg-deb -I "$deb" md5sums > "/w/$layer/var/lib/dpkg/status.d/$p.md5sums" 2>/dev/null || true
    done
}
unpack static __STATIC__
# The CA bundle is assembled the way distroless does: every certificate
# concatenated, mode 0555, with the package's copyright and status entry.
mkdir -p /w/ca /w/static/etc/ssl/certs /w/static/usr/share/doc/ca-certificates
cadeb=$(ls /w/debs/ca-certificates_*.deb)
dpkg-deb -x "$cadeb" /w/ca
find /w/ca/usr/share/ca-certificates -type f -name '*.crt' | sort | xargs cat \
    > /w/static/etc/ssl/certs/ca-certificates.crt
cp /w/ca/usr/share/doc/ca-certificates/copyright /w/static/usr/share/doc/ca-certificates/
chmod 0555 /w/static/etc/ssl/certs/ca-certificates.crt /w/static/usr/share/doc/ca-certificates/copyright
dpkg-deb -f "$cadeb" > /w/static/var/lib/dpkg/status.d/ca-certificates
cat > /w/static/etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat > /w/static/etc/group <<'GROUP'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
GROUP
cat > /w/static/etc/nsswitch.conf <<'NSS'
passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
NSS
rm -f /w/static/usr/lib/os-release
cat > /w/static/usr/lib/os-release <<'OSR'
PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
VERSION="Debian GNU/Linux 12 (bookworm)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
OSR
chmod 0555 /w/static/usr/lib/os-release
chmod 0644 /w/static/etc/passwd /w/static/etc/group /w/static/etc/nsswitch.conf
mkdir -p /w/static/tmp /w/static/root /w/static/home/nonroot
chmod 1777 /w/static/tmp
chmod 0700 /w/static/root /w/static/home/nonroot
chmod 0755 /w/static/home /w/static
chown 65532:65532 /w/static/home/nonroot
# Debug tags: a static busybox under /busybox with one link per applet.
mkdir -p /w/bb /w/busybox/busybox
dpkg-deb -x "$(ls /w/debs/busybox-static_*.deb)" /w/bb
cp /w/bb/bin/busybox /w/busybox/busybox/busybox
/w/busybox/busybox/busybox --list > /w/applets
while read -r applet; do
    [ "$applet" = busybox ] || ln -s busybox "/w/busybox/busybox/$applet"
done < /w/applets
unpack base __BASE__
unpack cc __CC__
unpack python3 __PYTHON__
ln -s python3.11 /w/python3/usr/bin/python3
ln -s python3.11 /w/python3/usr/bin/python
mkdir -p /w/nodejs20/nodejs/bin
tar -xzf /in/node.tgz -C /w --no-same-owner package/bin/node package/LICENSE
mv /w/package/bin/node /w/nodejs20/nodejs/bin/node
mv /w/package/LICENSE /w/nodejs20/nodejs/LICENSE
for layer in static busybox base cc python3 nodejs20; do
    chmod 0755 "/w/$layer"
    tar --numeric-owner -C "/w/$layer" -cf "/out/$layer.tar" .
done
""".replace("__STATIC__", STATIC_PACKAGES).replace("__BASE__", BASE_PACKAGES).replace(
    "__CC__", CC_PACKAGES
).replace("__PYTHON__", PYTHON_PACKAGES)

# The mirror is read from the image's own apt sources (written by
# debootstrap from the host's configuration), so no host is named here.
APT_BACKPORTS = (
    "mirror=$(sed -n 's/^deb \\([^ ]*\\) " + SUITE + " .*/\\1/p' /etc/apt/sources.list | head -n1) && "
    'echo "deb $mirror ' + SUITE + '-backports main" > /etc/apt/sources.list.d/backports.list'
)

# Debian splits GOROOT between /usr/lib/go-1.22 and /usr/share/go-1.22 with
# symlinks; the official image has one real /usr/local/go. One RUN, so the
# split copy does not stay behind in a lower layer.
GOLANG_DOCKERFILE = f"""FROM debian:12
RUN {APT_BACKPORTS} \\
 && apt-get update \\
 && apt-get install -y --no-install-recommends -t {SUITE}-backports golang-1.22-go \\
 && apt-get install -y --no-install-recommends ca-certificates git gcc libc6-dev g++ make pkg-config netbase \\
 && rm -rf /var/lib/apt/lists/* /etc/apt/sources.list.d/backports.list \\
 && mkdir -p /usr/local/go \\
 && cp -aL /usr/lib/go-1.22/. /usr/local/go/ \\
 && rm -rf /usr/lib/go-1.22 /usr/share/go-1.22 \\
 && ln -s /usr/local/go /usr/lib/go-1.22 && ln -s /usr/local/go /usr/share/go-1.22 \\
 && rm -f /usr/bin/go /usr/bin/gofmt \\
 && mkdir -p /go/src /go/bin && chmod -R 1777 /go
ENV GOLANG_VERSION=1.22.12 GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:{DEFAULT_PATH}
WORKDIR /go
CMD ["bash"]
"""

NODE_ENTRYPOINT = """#!/bin/sh
set -e
# Run command with node if the first argument contains a "-" or is not a system command.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
"""

NODE_DOCKERFILE = f"""FROM debian:12
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates curl wget git python3 make g++ procps netbase xz-utils bzip2 unzip \\
 && rm -rf /var/lib/apt/lists/* \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ADD node.tgz /opt/
ADD npm.tgz /opt/npm/
ADD yarn.tgz /opt/yarn/
RUN cp -a /opt/package/bin/node /usr/local/bin/node \\
 && cp -a /opt/package/include /opt/package/share /usr/local/ \\
 && mkdir -p /usr/local/lib/node_modules && mv /opt/npm/package /usr/local/lib/node_modules/npm \\
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && mv /opt/yarn/package /opt/yarn-v{YARN_VERSION} \\
 && ln -s /opt/yarn-v{YARN_VERSION}/bin/yarn /usr/local/bin/yarn \\
 && ln -s /opt/yarn-v{YARN_VERSION}/bin/yarnpkg /usr/local/bin/yarnpkg \\
 && rm -rf /opt/package /opt/npm /opt/yarn \\
 && node --version && npm --version
COPY docker-entrypoint.sh /usr/local/bin/
ENV NODE_VERSION={NODE_VERSION} YARN_VERSION={YARN_VERSION}
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
"""

PYTHON_DOCKERFILE = """FROM debian:12
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-pip python3-venv \\
 && rm -rf /var/lib/apt/lists/* \\
 && rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED \\
 && ln -s /usr/bin/python3 /usr/local/bin/python3 && ln -s /usr/bin/python3 /usr/local/bin/python \\
 && ln -s /usr/bin/pip3 /usr/local/bin/pip3 && ln -s /usr/bin/pip3 /usr/local/bin/pip
ENV LANG=C.UTF-8
CMD ["python3"]
"""

# busybox's own image: the glibc variant, one static binary hard-linked per
# applet in /bin, the buildroot skeleton's users. Built into a tar by a helper
# container so the hard links survive, then imported.
BUSYBOX_ROOTFS = r"""
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get -qq update
cd /tmp && apt-get -qq -o APT::Sandbox::User=root download busybox-static
mkdir -p /r/bin /r/etc /r/tmp /r/root /r/home /r/usr/bin /r/var/spool/mail /r/var/www
dpkg-deb -x busybox-static_*.deb /tmp/bb
cp /tmp/bb/bin/busybox /r/bin/busybox
/r/bin/busybox --list > /tmp/applets
while read -r a; do [ "$a" = busybox ] || ln /r/bin/busybox "/r/bin/$a"; done < /tmp/applets
ln -s ../../bin/env /r/usr/bin/env 2>/dev/null || true
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\nsys:x:3:3:sys:/dev:/bin/false\nsync:x:4:100:sync:/bin:/bin/sync\nmail:x:8:8:mail:/var/spool/mail:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\noperator:x:37:37:Operator:/var:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > /r/etc/passwd
printf 'root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\nlp:x:7:\nmail:x:8:\nkmem:x:9:\nwheel:x:10:root\ncdrom:x:11:\ndialout:x:18:\nfloppy:x:19:\nvideo:x:28:\naudio:x:29:\ntape:x:32:\nwww-data:x:33:\noperator:x:37:\nutmp:x:43:\nplugdev:x:46:\nstaff:x:50:\nlock:x:54:\nnetdev:x:82:\nusers:x:100:\nnobody:x:65534:\n' > /r/etc/group
printf 'root:*:::::::\ndaemon:*:::::::\nbin:*:::::::\nsys:*:::::::\nsync:*:::::::\nmail:*:::::::\nwww-data:*:::::::\noperator:*:::::::\nnobody:*:::::::\n' > /r/etc/shadow
chmod 0640 /r/etc/shadow
cp /usr/share/zoneinfo/UTC /r/etc/localtime 2>/dev/null || true
chmod 1777 /r/tmp && chmod 0700 /r/root && chown 65534:65534 /r/home && chmod 0755 /r
tar --numeric-owner -C /r -cf /out/busybox-rootfs.tar .
"""


@dataclass
class Image:
    """One stand-in: the tags it gets and how it is made."""

    name: str
    tags: list[str]
    kind: str  # "debootstrap", "dockerfile", "import-layer", "busybox"
    dockerfile: str = ""
    files: dict[str, str] = field(default_factory=dict)  # context name -> cache file
    parents: list[str] = field(default_factory=list)
    note: str = ""
    import_changes: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str:
        return self.tags[0]


def distroless_images() -> list[Image]:
    """The distroless family, layered the way upstream stacks it."""
    images: list[Image] = []
    families = [
        # family, parent family, layer, extra config, unsuffixed alias too
        ("static", None, None, [], True),
        ("base", "static", "base.tar", [], True),
        ("cc", "base", "cc.tar", [], True),
        ("nodejs20", "cc", "nodejs20.tar", ['ENTRYPOINT ["/nodejs/bin/node"]',
                                             f"LABEL com.google.distroless.nodejs.version={NODE_VERSION}"], False),
        ("python3", "cc", "python3.tar", ["ENV LANG=C.UTF-8", 'ENTRYPOINT ["/usr/bin/python3.11"]'], False),
    ]
    note = "local stand-in for distroless, assembled from Debian bookworm packages"
    for fam, parent, layer, extra, alias in families:
        for variant in VARIANTS:
            tags = [f"gcr.io/distroless/{fam}-debian12:{variant}"]
            if alias:
                tags.append(f"gcr.io/distroless/{fam}:{variant}")
            name = f"{fam}-{variant}"
            if fam == "static" and variant == "latest":
                images.append(Image(name, tags, "import-layer", files={"rootfs": "static.tar"}, note=note,
                                    import_changes=[f"ENV PATH={DEFAULT_PATH}",
                                                    "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
                                                    "USER 0", "WORKDIR /"]))
                continue
            if fam == "static":
                lines = []
                files = {}
                if variant.startswith("debug"):
                    lines += ["ADD busybox.tar /", f"ENV PATH={DEFAULT_PATH}:/busybox",
                              'ENTRYPOINT ["/busybox/sh"]']
                    files["busybox.tar"] = "busybox.tar"
                base_tag = "gcr.io/distroless/static-debian12:latest"
            else:
                lines = [f"ADD {layer} /", *extra]
                files = {layer: layer}
                base_tag = f"gcr.io/distroless/{parent}-debian12:{variant}"
            if variant.endswith("nonroot"):
                lines += [f"USER {NONROOT}", "WORKDIR /home/nonroot"]
            else:
                lines += ["USER 0", "WORKDIR /"]
            dockerfile = f"FROM {base_tag}\n" + "\n".join(lines) + "\n"
            images.append(Image(name, tags, "dockerfile", dockerfile=dockerfile, files=files,
                                parents=[base_tag], note=note))
    return images


def node_tarball() -> str:
    """The npm package that carries the official Node.js build for this machine."""
    arch = {"x86_64": "x64", "aarch64": "arm64"}.get(platform.machine(), "x64")
    return f"node-linux-{arch}-{NODE_VERSION}.tgz"


def all_images() -> list[Image]:
    """Every stand-in, parents before children."""
    node_files = {"node.tgz": node_tarball(), "npm.tgz": f"npm-{NPM_VERSION}.tgz",
                  "yarn.tgz": f"yarn-{YARN_VERSION}.tgz", "docker-entrypoint.sh": "docker-entrypoint.sh"}
    deb_note = "local stand-in built from Debian bookworm packages"
    images = [
        Image("debian", ["debian:12", "debian:bookworm", "debian:latest"], "debootstrap",
              note="local stand-in: debootstrap --variant=minbase bookworm"),
        Image("golang", ["golang:1.22", "golang:1.22-bookworm", "golang:1.22.12", "golang:1.22.12-bookworm"],
              "dockerfile", dockerfile=GOLANG_DOCKERFILE, parents=["debian:12"],
              note="local stand-in: Debian golang-1.22 from bookworm-backports in /usr/local/go"),
        Image("python", ["python:3.11-slim", "python:3.11-slim-bookworm", "python:3.11"], "dockerfile",
              dockerfile=PYTHON_DOCKERFILE, parents=["debian:12"],
              note="local stand-in: Debian python3.11 (3.11.2) with pip and venv"),
        Image("node", ["node:20", "node:20-bookworm", f"node:{NODE_VERSION}"], "dockerfile",
              dockerfile=NODE_DOCKERFILE, files=node_files, parents=["debian:12"],
              note=f"{deb_note}; Node.js {NODE_VERSION} official build, npm {NPM_VERSION}, yarn {YARN_VERSION}"),
        Image("busybox", ["busybox:1.36", "busybox:latest", "busybox:stable", "busybox:glibc"], "busybox",
              parents=["debian:12"], note="local stand-in: Debian busybox-static (bookworm), glibc variant layout"),
    ]
    images += distroless_images()
    return images


# --------------------------------------------------------------------------- helpers

def log(msg: str) -> None:
    print(f"prepare-images: {msg}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """Run a command; its stderr is shown only when it fails (the legacy builder nags on every build)."""
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    if not kw.get("capture_output"):
        kw.setdefault("stderr", subprocess.PIPE)
    try:
        return subprocess.run(cmd, check=True, env=env, **kw)
    except subprocess.CalledProcessError as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        sys.stderr.write(err[-3000:])
        raise


def docker_ok() -> bool:
    try:
        subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], check=True,
                       capture_output=True, timeout=20)
        return True
    except (OSError, subprocess.SubprocessError):
        return False


def image_labels(tag: str) -> dict[str, str] | None:
    """The labels of a local image, {} when it has none, None when it is absent."""
    proc = subprocess.run(["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", tag],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout.strip() or "null") or {}


def cache_dir() -> Path:
    if env := os.environ.get("CKS_IMAGE_CACHE"):
        path = Path(env)
    elif os.geteuid() == 0:
        path = Path("/var/cache/cks-trainer/images")
    else:
        path = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cks-trainer" / "images"
    path.mkdir(parents=True, exist_ok=True)
    return path


def debian_mirror() -> str:
    """The Debian mirror the host's apt already uses (override: CKS_DEBIAN_MIRROR)."""
    if env := os.environ.get("CKS_DEBIAN_MIRROR"):
        return env
    try:
        out = subprocess.run(["apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE) $(TARGET_OF)"],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        out = ""
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == SUITE and parts[2] == "deb":
            return parts[0]
    sys.exit("prepare-images: no apt source for Debian bookworm found; set CKS_DEBIAN_MIRROR to a Debian mirror URL")


class Preparer:
    """Builds what is missing or stale, in dependency order."""

    def __init__(self, force: bool, pull: bool) -> None:
        self.force = force
        self.pull = pull
        self.cache = cache_dir()
        self.recipes: dict[str, str] = {}  # tag -> recipe hash
        self.registry_down = False

    # -- recipes
    def recipe(self, image: Image) -> str:
        parts = [image.kind, image.dockerfile, json.dumps(image.files, sort_keys=True),
                 json.dumps(image.import_changes), *[self.recipes.get(p, p) for p in image.parents]]
        if image.files and any(f.endswith(".tar") for f in image.files.values()):
            parts.append(ASSEMBLE_LAYERS)
        if image.kind == "busybox":
            parts.append(BUSYBOX_ROOTFS)
        if image.kind == "debootstrap":
            parts.append(SUITE)
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]

    def labels(self, image: Image, recipe: str) -> dict[str, str]:
        return {LABEL: "true", f"{LABEL}.recipe": recipe, f"{LABEL}.note": image.note}

    def is_current(self, image: Image, recipe: str) -> bool:
        if self.force:
            return False
        for tag in image.tags:
            labels = image_labels(tag)
            if labels is None:
                return False
            if labels.get(LABEL) != "true":
                continue  # a real upstream image: keep it
            if labels.get(f"{LABEL}.recipe") != recipe:
                return False
        return True

    def try_pull(self, image: Image) -> bool:
        if not self.pull or self.registry_down or self.force:
            return False
        if any(image_labels(t) is not None for t in image.tags):
            return False  # a stale stand-in: rebuild rather than mix
        try:
            proc = subprocess.run(["docker", "pull", "-q", image.primary], capture_output=True, text=True,
                                  timeout=120)
        except subprocess.TimeoutExpired:
            proc = None
        if proc is None or proc.returncode != 0:
            log("no registry answers; building stand-ins from Debian packages instead")
            self.registry_down = True
            return False
        for tag in image.tags[1:]:
            run(["docker", "tag", image.primary, tag], capture_output=True)
        log(f"pulled {image.primary}")
        return True

    # -- builders
    def prepare(self, images: list[Image]) -> None:
        for image in images:
            recipe = self.recipe(image)
            for tag in image.tags:
                self.recipes[tag] = recipe
            if self.is_current(image, recipe):
                continue
            if self.try_pull(image):
                continue
            started = time.monotonic()
            log(f"building {image.primary} ...")
            getattr(self, "build_" + image.kind.replace("-", "_"))(image, recipe)
            for tag in image.tags[1:]:
                run(["docker", "tag", image.primary, tag], capture_output=True)
            log(f"built {image.primary} in {time.monotonic() - started:.0f} s")

    def build_debootstrap(self, image: Image, recipe: str) -> None:
        if not shutil.which("debootstrap"):
            sys.exit("prepare-images: debootstrap is missing (apt-get install debootstrap)")
        tarball = self.cache / f"minbase-{SUITE}.tar"
        if not tarball.exists():
            with tempfile.TemporaryDirectory(dir=self.cache) as tmp:
                root = Path(tmp) / "root"
                run(["debootstrap", "--variant=minbase", SUITE, str(root), debian_mirror()],
                    stdout=subprocess.DEVNULL)
                run(["sh", "-c", "rm -rf var/lib/apt/lists/* var/cache/apt/*.bin var/cache/apt/archives/*.deb "
                     "dev/* var/log/*.log && chmod 0755 ."], cwd=root)
                run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(tarball) + ".part", "."])
                os.replace(str(tarball) + ".part", tarball)
        changes = [f"ENV PATH={DEFAULT_PATH}", 'CMD ["bash"]']
        self.import_tar(image, recipe, tarball, changes)

    def import_tar(self, image: Image, recipe: str, tarball: Path, changes: list[str]) -> None:
        cmd = ["docker", "import"]
        for change in changes + [f"LABEL {k}={json.dumps(v)}" for k, v in self.labels(image, recipe).items()]:
            cmd += ["--change", change]
        run(cmd + [str(tarball), image.primary], stdout=subprocess.DEVNULL)

    def build_dockerfile(self, image: Image, recipe: str) -> None:
        with tempfile.TemporaryDirectory(dir=self.cache) as ctx:
            for name, source in image.files.items():
                os.link(self.fetch(source), Path(ctx) / name)
            (Path(ctx) / "Dockerfile").write_text(image.dockerfile)
            cmd = ["docker", "build", "-q", "-t", image.primary]
            for key, value in self.labels(image, recipe).items():
                cmd += ["--label", f"{key}={value}"]
            run(cmd + [ctx], stdout=subprocess.DEVNULL)

    def build_import_layer(self, image: Image, recipe: str) -> None:
        self.import_tar(image, recipe, self.fetch(image.files["rootfs"]), image.import_changes)

    def build_busybox(self, image: Image, recipe: str) -> None:
        tar = self.cache / "busybox-rootfs.tar"
        self.in_debian(BUSYBOX_ROOTFS, self.cache)
        self.import_tar(image, recipe, tar, [f"ENV PATH={DEFAULT_PATH}", 'CMD ["sh"]'])

    # -- inputs
    def in_debian(self, script: str, out: Path, extra_mounts: tuple[str, ...] = ()) -> None:
        cmd = ["docker", "run", "--rm", "-v", f"{out}:/out", *extra_mounts, "debian:12", "sh", "-c", script]
        run(cmd, stdout=subprocess.DEVNULL)

    def fetch(self, name: str) -> Path:
        """A cached input file, made on first use."""
        path = self.cache / name
        if path.exists():
            return path
        if name.endswith(".tgz"):
            package = name[: -len(".tgz")].rsplit("-", 1)
            spec = f"{package[0]}@{package[1]}"
            with tempfile.TemporaryDirectory(dir=self.cache) as tmp:
                out = run(["npm", "pack", "--silent", spec], cwd=tmp, capture_output=True, text=True).stdout
                os.replace(Path(tmp) / out.strip().splitlines()[-1], path)
        elif name == "docker-entrypoint.sh":
            path.write_text(NODE_ENTRYPOINT)
            path.chmod(0o755)
        elif name.endswith(".tar"):
            # The distroless layers come as one batch, keyed by their recipe.
            stamp = self.cache / "layers.recipe"
            key = hashlib.sha256(ASSEMBLE_LAYERS.encode()).hexdigest()
            if not (stamp.exists() and stamp.read_text() == key and path.exists()):
                node = self.fetch(node_tarball())
                self.in_debian(ASSEMBLE_LAYERS, self.cache, ("-v", f"{node}:/in/node.tgz:ro"))
                stamp.write_text(key)
        else:
            raise SystemExit(f"prepare-images: no recipe for input {name}")
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild every stand-in")
    parser.add_argument("--no-pull", action="store_true", help="never try a registry first")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="only these (debian, golang, python, node, busybox, static, base, cc, nodejs20, python3)")
    parser.add_argument("--list", action="store_true", help="print every tag this script provides")
    args = parser.parse_args(argv)
    images = all_images()
    if args.list:
        for image in images:
            print("\n".join(image.tags))
        return 0
    if args.only:
        wanted = set(args.only)
        images = [i for i in images if i.name in wanted or i.name.split("-")[0] in wanted]
    if not docker_ok():
        log("no Docker engine answers (run scripts/ensure-docker.sh first)")
        return 1
    started = time.monotonic()
    try:
        Preparer(args.force, not args.no_pull).prepare(images)
    except subprocess.CalledProcessError as exc:
        log(f"failed: {' '.join(map(str, exc.cmd))[:300]} (exit {exc.returncode})")
        return 1
    log(f"all {sum(len(i.tags) for i in images)} tags current ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
