"""Shared fixtures for the CLI tests: the algohost binary (ALGOHOST_BIN, set by ctest) and a runner."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("ALGOHOST_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SAMPLE_CSV = SOURCE_DIR / "examples" / "data" / "sample.csv"


def builtin_versions():
    """{name: version} of the built-in plugins, as their manifests in the source tree declare them."""
    out = {}
    for manifest in [*SOURCE_DIR.glob("plugins/*/manifest.json"), *SOURCE_DIR.glob("python/*/*/manifest.json")]:
        m = json.loads(manifest.read_text())
        out[m["name"]] = m["version"]
    return out


@pytest.fixture(scope="session")
def algohost_bin():
    path = os.environ.get("ALGOHOST_BIN")
    if not path or not Path(path).exists():
        pytest.fail("ALGOHOST_BIN must point at the built algohost binary (run through ctest)")
    return path


class Runner:
    def __init__(self, binary, env):
        self.binary = binary
        self.env = env

    def __call__(self, *args, env=None):
        full_env = dict(self.env)
        full_env.update(env or {})
        return subprocess.run([self.binary, *map(str, args)], capture_output=True, text=True,
                              env=full_env, timeout=120)

    def json(self, *args):
        proc = self(*args)
        assert proc.stdout, proc.stderr
        return proc, json.loads(proc.stdout)


@pytest.fixture
def run(algohost_bin):
    env = {k: v for k, v in os.environ.items() if k != "ALGOHOST_PLUGIN_PATH"}
    return Runner(algohost_bin, env)


def install_fixture(root: Path, library: str, manifest: dict) -> Path:
    """Copies a fixture library next to a manifest in root/<name>/<version>/."""
    target = root / manifest["name"] / manifest["version"]
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(library, target / Path(library).name)
    manifest["implementation"]["library"] = Path(library).name
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target / "manifest.json"


def fixture_manifest(name, version="1.0.0"):
    return {
        "name": name, "display_name": name.title(), "version": version,
        "implementation": {"language": "cpp", "library": "x", "sdk_api_version": "1.0"},
        "parameters": {"threshold": {"type": "float", "default": 100.0, "min": 0, "max": 1e6}},
    }


@pytest.fixture
def home(run, tmp_path):
    """`run` with ALGOHOST_HOME set to a fresh folder (its own catalog); home.json(...) parses
    stdout; home.path is the folder."""
    h = tmp_path / "home"

    def call(*args, env=None):
        e = {"ALGOHOST_HOME": str(h)}
        e.update(env or {})
        return run(*args, env=e)

    def js(*args):
        proc = call(*args)
        assert proc.stdout, proc.stderr
        return proc, json.loads(proc.stdout)

    call.json = js
    call.path = h
    return call
