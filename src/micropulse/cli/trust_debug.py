"""``micropulse trust debug``: which training samples to remove so an SGD-trained linear model gets one
test sample right (DEBUGGABLE, specs/trust-and-vatmart.md §3).

The training CSV has a header, numeric feature columns and a label column ({-1, +1} or {0, 1}). The model
is a bias-free linear classifier trained from ``--w0`` by SGD in the file's row order; the test sample is
row ``--test-index`` (0-based data row) of ``--test`` (default: the training file, and then that row is
left out of training). Numbers are read exactly; the solver is exact whenever the report says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from micropulse.errors import InputError


def _numbers(text: str, what: str) -> list:
    from micropulse.trust.debug.losses import as_fraction

    return [as_fraction(part, what) for part in text.split(",") if part.strip()]


def _fmt(q: object) -> str:
    return f"{float(q):.6g}"


def debug_command(
    train: Path = typer.Option(..., "--train", help="Training CSV (header; feature columns; label column)."),
    test_index: int = typer.Option(..., "--test-index", help="0-based data row of the test sample."),
    test: Path = typer.Option(
        None, "--test", help="CSV holding the test sample (default: the training CSV)."
    ),
    label_column: str = typer.Option("label", "--label-column", help="Name of the label column."),
    loss: str = typer.Option("hinge", "--loss", help="hinge, linear or logistic (float-only)."),
    alpha: str = typer.Option("1", "--alpha", help="Loss scale alpha > 0."),
    beta: str = typer.Option("0", "--beta", help="Hinge interception beta (activated iff y w.x < beta)."),
    lr: str = typer.Option(
        "0.1", "--lr", help="Learning rate > 0 (one number, or one per feature, comma-separated)."
    ),
    epochs: int = typer.Option(1, "--epochs", help="Epoch cap (>= 1)."),
    eps: str = typer.Option("0", "--eps", help="Stop when ||w(e-1) - w(e)|| < eps (0: run all epochs)."),
    w0: str = typer.Option("zeros", "--w0", help="Initial weights: 'zeros' or comma-separated numbers."),
    solver: str = typer.Option("auto", "--solver", help="auto, brute, gta, milp, or a heuristic name."),
    minimal: bool = typer.Option(
        True, "--minimal/--any", help="MILP and GTA (linear loss): remove as few samples as possible."
    ),
    time_limit: float = typer.Option(60.0, "--time-limit", help="MILP time limit, seconds."),
    seed: int = typer.Option(0, "--seed", help="Random seed for heuristics."),
    out: Path = typer.Option(None, "--out", help="Write the JSON report here."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report instead of the summary."),
) -> None:
    """Find training samples whose removal makes the retrained model predict the test label."""
    from micropulse.io.atomic import atomic_write
    from micropulse.trust.debug import Instance, create_loss, read_labelled_csv, replay, solve

    if out is not None and not Path(out).parent.is_dir():
        raise InputError("the folder for --out does not exist", out)
    data = read_labelled_csv(train, label_column=label_column)
    same = test is None or Path(test).resolve() == Path(train).resolve()
    tdata = data if same else read_labelled_csv(test, label_column=label_column)
    if not 0 <= test_index < tdata.n:
        raise InputError(
            f"--test-index {test_index} is out of range: the file has {tdata.n} data rows", tdata.path
        )
    rows = [i for i in range(data.n) if not (same and i == test_index)]
    if not rows:
        raise InputError("no training rows left after taking out the test row", data.path)
    if not same and len(tdata.feature_names) != len(data.feature_names):
        raise InputError(f"the test CSV has {len(tdata.feature_names)} features, the training CSV "
                         f"{len(data.feature_names)}", tdata.path)  # fmt: skip
    d = len(data.feature_names)
    lossobj = (
        create_loss(loss, alpha=alpha) if loss == "logistic" else create_loss(loss, alpha=alpha, beta=beta)
    )
    inst = Instance(
        X=[data.X[i] for i in rows], y=[data.y[i] for i in rows], loss=lossobj,
        w0=[0] * d if w0.strip().lower() == "zeros" else _numbers(w0, "--w0"), eta=_numbers(lr, "--lr"),
        eps=eps, max_epochs=epochs, x_test=tdata.X[test_index], y_test=tdata.y[test_index],
    )  # fmt: skip
    full = replay(inst, None, exact=lossobj.exact)
    res = solve(inst, solver, progress=True, time_limit_s=time_limit, minimize_removals=minimal, seed=seed)
    removed_rows = [rows[i] for i in res.removed]
    report = {
        "train": str(data.path), "test": {"file": str(tdata.path), "index": test_index, "label": inst.y_test},
        "features": list(data.feature_names), "data_notes": list(data.notes if same else data.notes + tdata.notes),
        "test_row_left_out_of_training": same, "instance": inst.to_dict(),
        "full_model": full.to_dict(), "full_model_correct": full.correct, "result": res.to_dict(),
        "removed_rows": removed_rows, "removed_lines": [r + 2 for r in removed_rows],
    }  # fmt: skip
    text = json.dumps(report, indent=2)
    if out is not None:
        atomic_write(out, text + "\n")
    if as_json:
        typer.echo(text)
        return
    pred = lambda rep: "+1" if rep.score >= 0 else "-1"  # noqa: E731
    for note in data.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"full model: predicts {pred(full)} on test row {test_index} (label {inst.y_test:+d}): "
               f"{'right' if full.correct else 'wrong'}, margin {_fmt(full.margin)}")  # fmt: skip
    if full.correct:
        typer.echo("note: the full model already predicts the test label (nothing needs removing)")
    kind = "certificate verified" if res.debuggable else ("exact" if res.exact else "no guarantee")
    typer.echo(f"solver: {res.solver} ({kind})")
    for note in res.notes:
        typer.echo(f"  {note}")
    if res.debuggable:
        typer.echo(f"debuggable: yes; remove {len(removed_rows)} of {inst.n} training rows: "
                   f"{', '.join(map(str, removed_rows)) or '(none)'}")  # fmt: skip
        typer.echo(f"retrained: predicts {pred(res.replay)}, margin {_fmt(res.replay.margin)}")
    else:
        typer.echo("debuggable: no" if res.exact else "debuggable: unknown (no certificate found)")
    if out is not None:
        typer.echo(f"report: {out}")


def register(group: typer.Typer) -> None:
    """Register ``debug`` on the ``trust`` group."""
    group.command("debug")(debug_command)
