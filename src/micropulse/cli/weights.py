"""``micropulse weights import FILE --arch NAME --out OUT.pt`` and ``micropulse weights info FILE``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from micropulse.cli.registry_help import RegistryHelpCommand

weights_app = typer.Typer(
    name="weights",
    help="Import published rPPG checkpoints (PyTorch .pth, open-rppg .h5) with their metadata.",
    no_args_is_help=True,
)


@weights_app.command("import", cls=RegistryHelpCommand)
def import_command(
    file: Path = typer.Argument(..., help="Checkpoint: official .pth/.pt, micropulse .pt, or open-rppg .h5."),
    arch: str = typer.Option(..., "--arch", help="Model name ({models})."),
    out: Path = typer.Option(..., "--out", help="Output micropulse .pt file (state dict + metadata)."),
    training_set: str | None = typer.Option(
        None, "--training-set", help="Dataset the weights were trained on."
    ),
    fs: float | None = typer.Option(None, "--fs", help="Frame rate the weights expect, Hz."),
    normalisation: str | None = typer.Option(
        None, "--normalisation", help="DiffNormalized, Standardized or ChannelStandardized."
    ),
    input_size: int | None = typer.Option(None, "--input-size", help="Face-crop side, pixels."),
    chunk_length: int | None = typer.Option(None, "--chunk-length", help="Training chunk length, frames."),
    label_type: str | None = typer.Option(
        None, "--label-type", help="Standardized (BVP) or DiffNormalized (its derivative)."
    ),
    published_metric: str | None = typer.Option(
        None, "--published-metric", help="A published number, with protocol."
    ),
    crop: str | None = typer.Option(
        None, "--crop", help="Crop convention the weights were trained on ({crops}); default: the one "
        "the importer assigns to the file (shown by `weights info`)."
    ),
) -> None:
    """Load FILE into ARCH strictly, record its metadata (crop geometry included), and save OUT.pt."""
    from micropulse.cli.common import out_file
    from micropulse.face.geometry import get_convention
    from micropulse.rppg.deep.weights import import_weights

    out_file(out, "--out")  # before the checkpoint is read

    info = import_weights(
        file,
        arch,
        out,
        training_set=training_set,
        fs=fs,
        normalisation=normalisation,
        input_size=input_size,
        chunk_length=chunk_length,
        label_type=label_type,
        published_metric=published_metric,
        crop=get_convention(crop) if crop else None,
    )
    typer.echo(json.dumps({"out": str(out), **info.to_dict()}, indent=2))


@weights_app.command("info", cls=RegistryHelpCommand)
def info_command(
    file: Path = typer.Argument(..., help="A weights file."),
    arch: str = typer.Option(..., "--arch", help="Model name the file is for ({models})."),
) -> None:
    """Print the metadata micropulse finds for a weights file (JSON), crop geometry included."""
    from micropulse.rppg.deep.weights import read_checkpoint

    _, info = read_checkpoint(file, arch)
    typer.echo(json.dumps(info.to_dict(), indent=2))


def register(app: typer.Typer) -> None:
    """Add the ``weights`` command group."""
    app.add_typer(weights_app, name="weights")
