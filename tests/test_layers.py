"""The layers point one way: models < services < live machinery < web helpers < views,
and no blueprint imports another blueprint."""
import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
BLUEPRINTS = {"auth", "chat", "explore", "invites", "members", "notifications", "profile", "switcher"}
WEB_HELPERS = {"responses", "browser", "errors", "templating", "requests", "security", "params", "rate_limits"}


def module_name(path: Path) -> str:
    parts = ["app", *path.relative_to(APP).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    """0 models, 1 services, 2 live machinery, 3 web helpers, 4 views, 5 the factory."""
    parts = module.split(".")
    if module == "app":
        return 5
    area = parts[1]
    if area in ("extensions", "models"):
        return 0
    if area == "services":
        return 1
    if area == "realtime":
        return 4 if parts[-1] == "views" else 2
    if area in WEB_HELPERS:
        return 3
    return 4  # blueprints, health, cli


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names
                         if (APP / node.module.replace("app.", "", 1).replace(".", "/") / alias.name).exists()
                         or (APP / node.module.replace("app.", "", 1).replace(".", "/") / f"{alias.name}.py").exists())
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("app"))
    return found


MODULES = sorted(APP.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(APP)))
def test_imports_point_down(path):
    me = module_name(path)
    for imported in imports_of(path):
        if imported == "app" or me == "app":
            continue
        assert layer(imported) <= layer(me), f"{me} (layer {layer(me)}) imports {imported} (layer {layer(imported)})"
        mine, theirs = me.split(".")[1], imported.split(".")[1]
        if mine in BLUEPRINTS and theirs in BLUEPRINTS:
            assert mine == theirs, f"view {me} imports another view {imported}"
