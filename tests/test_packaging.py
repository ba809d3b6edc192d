"""The install is clean: every importable folder is a declared package (data folders included)."""
import configparser
from pathlib import Path

from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parent.parent


def _options():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return config


def test_every_folder_setuptools_can_import_is_a_declared_package():
    """With `packages = find:` the translations folders (data only) were importable but not
    packages, and setuptools warned about each on every install."""
    config = _options()
    assert config["options"]["packages"].strip() == "find_namespace:"
    include = [p.strip() for p in config["options.packages.find"]["include"].split(",")]
    declared = set(find_namespace_packages(where=str(ROOT), include=include))
    folders = {
        ".".join(path.relative_to(ROOT).parts)
        for path in (ROOT / "smartsociety").rglob("*")
        if path.is_dir() and path.name != "__pycache__"
    } | {"smartsociety"}
    assert folders <= declared
    assert {"smartsociety.translations.nl.LC_MESSAGES"} <= declared


def test_the_editable_install_is_a_plain_path_entry():
    """package_dir '' -> '.' lets setuptools install the editable package as a .pth entry, not
    with the import finder that warns about folders named like the package."""
    package_dir = _options()["options"]["package_dir"].strip()
    assert package_dir == "=."
