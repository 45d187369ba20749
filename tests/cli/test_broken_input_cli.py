"""Broken input never crashes the host (issue 12). A truncated copy of a built-in .so, and a text
file saved as .so, in a plugin folder with their manifests: before the ELF check, dlopen of the
truncated file killed `plugins list`, `plugins validate` and `run` with SIGBUS and no message. A
manifest with a number beyond a double (found by fuzz_manifest) ended them with an uncaught
exception."""
import json
import os
from pathlib import Path

from conftest import SAMPLE_CSV
from test_cli import BUILTIN, ENHANCERS


def builtin_rsi():
    """The built-in rsi plugin's folder in the build tree (next to bin/ as in an install)."""
    folder = Path(os.environ["ALGOHOST_BIN"]).resolve().parent.parent / "lib" / "algohost" / "plugins" / "rsi" / "1.0.0"
    library = next(folder.glob("*.so"))
    return json.loads((folder / "manifest.json").read_text()), library


def install_copy(root: Path, name: str, content: bytes, library_name: str) -> Path:
    """rsi's manifest renamed to `name`, beside a library file holding `content`."""
    manifest, _ = builtin_rsi()
    manifest["name"] = name
    manifest["implementation"].pop("sha256", None)
    manifest["implementation"]["library"] = library_name
    target = root / name / manifest["version"]
    target.mkdir(parents=True)
    (target / library_name).write_bytes(content)
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def broken_plugins(tmp_path):
    _, library = builtin_rsi()
    data = library.read_bytes()
    root = tmp_path / "plugins"
    cut = install_copy(root, "rsi_cut", data[: len(data) // 2], library.name)
    text = install_copy(root, "rsi_text", b"#!/bin/sh\necho this is not a library\n", "librsi_text.so")
    return root, cut / library.name, text / "librsi_text.so"


def assert_clean_failure(proc, *needles):
    assert 0 < proc.returncode < 128, (proc.returncode, proc.stdout, proc.stderr)
    out = proc.stdout + proc.stderr
    for n in needles:
        assert str(n) in out, (n, out)


def test_plugins_list_names_the_broken_files_and_lists_the_others(run, tmp_path):
    root, cut, text = broken_plugins(tmp_path)
    proc, rows = run.json("--plugins", root, "plugins", "list", "--json")
    assert proc.returncode == 1, proc.stderr  # problems found, listed, not fatal
    by_name = {r["name"]: r for r in rows}
    assert by_name["rsi_cut"]["load_status"] == "load_failed"
    assert "truncated library" in by_name["rsi_cut"]["load_message"]
    assert str(cut) in by_name["rsi_cut"]["load_message"]
    assert by_name["rsi_text"]["load_status"] == "load_failed"
    assert "not an ELF shared library" in by_name["rsi_text"]["load_message"]
    assert str(text) in by_name["rsi_text"]["load_message"]
    assert {r["name"] for r in rows if r["load_status"] == "loaded"} == BUILTIN | set(ENHANCERS)

    proc = run("--plugins", root, "plugins", "list")
    assert_clean_failure(proc, "truncated library", cut, "not an ELF shared library", text)
    for name in BUILTIN:
        assert name in proc.stdout


def test_plugins_validate_names_the_truncated_file(run, tmp_path):
    root, cut, text = broken_plugins(tmp_path)
    proc = run("plugins", "validate", cut.parent / "manifest.json")
    assert_clean_failure(proc, "INVALID", "truncated library", cut)
    proc = run("plugins", "validate", text.parent / "manifest.json")
    assert_clean_failure(proc, "INVALID", "not an ELF shared library", text)


def test_run_of_a_truncated_library_is_an_error_not_a_crash(home, tmp_path):
    root, cut, text = broken_plugins(tmp_path)
    proc = home("--plugins", root, "run", "--data", SAMPLE_CSV, "--strategy", "rsi_cut")
    assert_clean_failure(proc, "truncated library", cut)
    proc = home("--plugins", root, "run", "--data", SAMPLE_CSV, "--strategy", "rsi_text")
    assert_clean_failure(proc, "not an ELF shared library", text)
    # The good strategies still run beside the broken folder.
    proc = home("--plugins", root, "run", "--data", SAMPLE_CSV, "--strategy", "rsi")
    assert proc.returncode == 0, proc.stderr


def test_a_manifest_with_an_out_of_range_number_is_invalid_not_a_crash(run, tmp_path):
    bad = tmp_path / "plugins" / "huge" / "manifest.json"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"name": "huge", "display_name": "Huge", "version": "1.0.0", "requirements": {"symbols": 1e400}}')
    proc, rows = run.json("--plugins", tmp_path / "plugins", "plugins", "list", "--json")
    assert proc.returncode == 1, proc.stderr
    row = next(r for r in rows if r["manifest"] == str(bad))
    assert row["load_status"] == "invalid"
    assert "number overflow parsing '1e400'" in json.dumps(row["errors"])
    assert {r["name"] for r in rows if r["load_status"] == "loaded"} == BUILTIN | set(ENHANCERS)
    proc = run("plugins", "validate", bad)
    assert_clean_failure(proc, "malformed JSON: number overflow", bad)
