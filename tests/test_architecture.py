"""The apps form a tower (performance → onboarding → scheduling → supportops): imports only point down."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOWER = ["supportops", "scheduling", "onboarding", "performance"]  # bottom to top


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(TOWER)


@pytest.mark.parametrize("app", TOWER)
def test_an_app_imports_only_the_apps_below_it(app):
    allowed = set(TOWER[: TOWER.index(app) + 1])
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) - allowed)
        for path in (ROOT / app).rglob("*.py")
        if imported_apps(path) - allowed
    }

    assert offenders == {}


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from performance import services\nimport scheduling.models\n", encoding="utf-8")

    assert imported_apps(module) == {"performance", "scheduling"}
