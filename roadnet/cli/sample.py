"""``roadnet sample``: write the embedded sample county (示范县)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from roadnet.cli.app import app, make_console


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("layers"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same county).")] = 0,
    scale: Annotated[
        float, typer.Option("--scale", help="Multiply the area and everything in it.", min=0.05)
    ] = 1.0,
) -> None:
    """Generate the sample county 示范县: layers, tracks and county.toml."""
    from roadnet.sample import write_sample

    console = make_console()
    with console.status("generating 示范县 …") as status:
        summary = write_sample(out, seed=seed, scale=scale, progress=status.update)
    console.print(summary.to_text(), highlight=False)
    console.print(f"written to {out}/county.toml")
