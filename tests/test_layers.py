"""The import contracts in pyproject.toml are the ones generated from yalls/layers.py, and the
declared order covers every package under yalls (a new app must be placed before it can land)."""

import tomllib
from pathlib import Path

from yalls import layers

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_pyproject_contracts_are_the_generated_ones():
    text = PYPROJECT.read_text()
    block = text.split(layers.BEGIN, 1)[1].split(layers.END, 1)[0].strip()
    assert block == layers.as_toml().strip(), (
        "pyproject's import contracts are stale: run `python -m yalls.layers --write`"
    )
    declared = tomllib.loads(text)["tool"]["importlinter"]["contracts"]
    assert declared == layers.contracts()


def test_every_package_and_module_of_yalls_is_placed():
    placed = set(layers.domain_apps()) | set(layers.SHELL) | set(layers.OUTSIDE)
    found = {
        p.stem if p.suffix == ".py" else p.name
        for p in layers.SRC.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    assert found <= placed, f"declare these in yalls/layers.py: {sorted(found - placed)}"


def test_a_private_room_of_another_app_is_listed():
    rooms = layers.private_rooms()
    assert "yalls.social.views" in rooms and "yalls.entities.api" in rooms
    assert not any(room.startswith("yalls.core.") for room in rooms)  # shared plumbing
