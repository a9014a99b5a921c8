"""Command line interface (placeholder until the CLI lands)."""


def main() -> None:  # pragma: no cover - replaced by the Typer app
    raise SystemExit("segtui: not implemented yet")
