"""``roadnet demo``: every command on the sample county, and an index page linking it all."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from roadnet.cli.app import LangOpt, app, make_console


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for maps, tables and the report.")] = (
        Path("maps")
    ),
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the sample county when it is generated.")
    ] = 0,
    layers: Annotated[Path, typer.Option("--layers", help="Folder of the sample county.")] = Path(
        "layers"
    ),
    scenarios: Annotated[
        Path, typer.Option("--scenarios", help="Folder of scenario files to run.")
    ] = Path("scenarios"),
    lang: LangOpt = "zh",
) -> None:
    """演示 Run everything on the sample county and write maps/index.html."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TimeElapsedColumn,
    )

    from roadnet.demo import run_demo

    console = make_console(stderr=True)
    with Progress(
        SpinnerColumn(),
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("demo", total=None)

        def advance(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        result = run_demo(
            out, layers=layers, scenarios=scenarios, seed=seed, lang=lang, progress=advance
        )
        bar.update(task, description="done", completed=len(result.steps))
    printer = make_console()
    for step in result.steps:
        printer.print(f"{step.title} ({step.seconds:.1f} s)", style="bold")
        if step.headline:
            printer.print(f"  {step.headline}", highlight=False)
        for note in step.notes:
            printer.print(f"  {note}", style="yellow")
    printer.print(
        f"{len(result.written)} files in {result.out}; open {result.index} "
        f"({result.seconds:.1f} s)",
        highlight=False,
    )
