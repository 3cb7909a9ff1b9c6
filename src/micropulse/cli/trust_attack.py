"""``micropulse trust attack`` and ``micropulse trust grid``: the Dashed Line Defense harness.

``attack`` runs one Square attack (one defense, one acceptance tactic) and writes ``summary.json``,
``curve.csv`` and ``curve.png``; ``grid`` runs every defense x every tactic, resumes by skipping finished
cells, and writes ``table.md``, ``table.csv`` and ``grid.png``. Defense parameters given on the command
line (``--tau``, ``--h``...) go to the defenses that have them; one that applies to none is an error.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from micropulse.errors import InputError


def _given(**values: float | None) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if v is not None}


def _params_for(defenses: list[str], given: dict[str, float]) -> dict[str, float]:
    """Keep the given parameters; refuse one that none of ``defenses`` has."""
    from micropulse.trust import get_defense

    specs = [get_defense(d) for d in defenses]
    for k in given:
        if not any(k in s.defaults for s in specs):
            names = "; ".join(f"{s.name}: {', '.join(s.defaults) or '(none)'}" for s in specs)
            raise InputError(
                f"--{k} does not apply to {', '.join(s.name for s in specs)} (parameters: {names})"
            )
    return given


def _names(text: str | None, default: tuple[str, ...], kind: str) -> list[str]:
    if text is None:
        return list(default)
    names = [t.strip().lower() for t in text.split(",") if t.strip()]
    if not names:
        raise InputError(f"--{kind} needs at least one name, got {text!r}")
    return names


def _print_summary(s: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    p = s["params"]
    t = Table(title=f"{p['victim']}: {p['defense']} vs {p['attack']} ({p['tactic']}), eps={p['eps']:g}",
              show_header=False)  # fmt: skip
    t.add_row("clean accuracy", f"{s['clean_acc']:.4f} undefended, {s['defended_clean_acc']:.4f} defended")
    t.add_row("label agreement", f"{s['label_agreement']:.4f}")
    for q, acc in s["robust_acc"].items():
        t.add_row(
            f"robust acc @ {q} queries", f"{acc:.4f} (attack success {s['attack_success_rate'][q]:.4f})"
        )
    mq = s["mean_queries"]
    t.add_row(
        "queries of successes", "-" if mq is None else f"mean {mq:.1f}, median {s['median_queries']:.1f}"
    )
    t.add_row("ECE (15 bins)", f"{s['ece']:.4f} defended, {s['ece_undefended']:.4f} undefended")
    t.add_row("distortion", f"max |dlogit| {s['max_abs_delta_logit']:.3f}, "
                            f"mean |dp top-1| {s['mean_abs_delta_top1_prob']:.4f}")  # fmt: skip
    t.add_row(
        "inputs / queries", f"{s['n_attacked']} attacked, {s['total_queries']} queries in {s['wall_s']:.1f} s"
    )
    Console().print(t)


def register(group: typer.Typer) -> None:
    """Add ``attack`` and ``grid`` to the ``trust`` group."""

    def _common_settings(victim, attack, eps, queries, n, seed, p_init):
        from micropulse.trust import AttackSettings

        return AttackSettings(
            victim=victim, attack=attack, eps=eps, queries=queries, n=n, seed=seed, p_init=p_init
        )

    @group.command("attack")
    def attack_command(
        victim: str = typer.Option(
            "digits-mlp",
            "--victim",
            help="digits-logreg, digits-mlp, digits-cnn, "
            "me-tst, a user model 'module:callable' or a TorchScript file.",
        ),
        data: Path = typer.Option(None, "--data", help=".npz test data (x, y[, lo, hi]) for a user model."),
        defense: str = typer.Option(
            "dld", "--defense", help="none, dld, aaa-linear, aaa-sine, in-rnd, out-rnd."
        ),
        attack: str = typer.Option("square-linf", "--attack", help="square-linf or square-l2."),
        tactic: str = typer.Option(
            "none", "--tactic", help="none, explore, sa, reverse, up, bi or oracle-inverse."
        ),
        eps: float = typer.Option(0.05, "--eps", help="Perturbation radius in input units ([0, 1] images)."),
        queries: int = typer.Option(2500, "--queries", help="Query budget per input."),
        n: int = typer.Option(500, "--n", help="Inputs to attack (correctly classified, drawn by --seed)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the input draw, the attack and the noise."),
        p_init: float = typer.Option(None, "--p-init", help="Initial square fraction (0.05 L-inf, 0.3 L2)."),
        tau: float = typer.Option(None, "--tau", help="DLD/AAA cell width (logits), default 6."),
        h: float = typer.Option(None, "--h", help="DLD slope parameter, default 0.3."),
        rho: float = typer.Option(None, "--rho", help="DLD share of the high branch, default 0.5."),
        s: float = typer.Option(None, "--s", help="DLD dash period (fraction of tau), default 0.04."),
        lam: float = typer.Option(None, "--lam", help="AAA-linear reverse step, default 1."),
        coef: float = typer.Option(None, "--coef", help="AAA-sine amplitude, default 0.7."),
        sigma: float = typer.Option(None, "--sigma", help="out-RND logit noise std, default 0.3."),
        nu: float = typer.Option(None, "--nu", help="in-RND input noise std, default 0.02."),
        out: Path = typer.Option(Path("trust-attack"), "--out", help="Output folder."),
        cache: Path = typer.Option(None, "--cache", help="Cache folder for trained victims."),
        no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
    ) -> None:
        """One Square attack through one defense: summary.json, curve.csv, curve.png."""
        from dataclasses import replace

        from micropulse.trust import run_attack
        from micropulse.trust.victims import load_victim

        given = _given(tau=tau, h=h, rho=rho, s=s, lam=lam, coef=coef, sigma=sigma, nu=nu)
        params = _params_for([defense], given)
        settings = replace(_common_settings(victim, attack, eps, queries, n, seed, p_init), defense=defense,
                           tactic=tactic, defense_params=params).checked()  # fmt: skip
        vic = load_victim(victim, cache=cache, data=data)
        summary = run_attack(settings, vic, out_dir=out, show_progress=not no_progress)
        if as_json:
            typer.echo(json.dumps(summary, indent=2))
            return
        _print_summary(summary)
        typer.echo(f"wrote {out / 'summary.json'}, {out / 'curve.csv'}, {out / 'curve.png'}")

    @group.command("grid")
    def grid_command(
        victim: str = typer.Option("digits-mlp", "--victim", help="Victim, as for `trust attack`."),
        data: Path = typer.Option(None, "--data", help=".npz test data for a user model."),
        defenses: str = typer.Option(None, "--defenses", help="Comma list (default: every defense)."),
        tactics: str = typer.Option(None, "--tactics", help="Comma list (default: every tactic)."),
        attack: str = typer.Option("square-linf", "--attack", help="square-linf or square-l2."),
        eps: float = typer.Option(0.05, "--eps", help="Perturbation radius in input units."),
        queries: int = typer.Option(2500, "--queries", help="Query budget per input."),
        n: int = typer.Option(500, "--n", help="Inputs to attack."),
        seed: int = typer.Option(0, "--seed", help="Seed."),
        p_init: float = typer.Option(None, "--p-init", help="Initial square fraction."),
        tau: float = typer.Option(None, "--tau", help="DLD/AAA cell width (logits), default 6."),
        h: float = typer.Option(None, "--h", help="DLD slope parameter, default 0.3."),
        rho: float = typer.Option(None, "--rho", help="DLD share of the high branch, default 0.5."),
        s: float = typer.Option(None, "--s", help="DLD dash period, default 0.04."),
        lam: float = typer.Option(None, "--lam", help="AAA-linear reverse step, default 1."),
        coef: float = typer.Option(None, "--coef", help="AAA-sine amplitude, default 0.7."),
        sigma: float = typer.Option(None, "--sigma", help="out-RND logit noise std, default 0.3."),
        nu: float = typer.Option(None, "--nu", help="in-RND input noise std, default 0.02."),
        out: Path = typer.Option(Path("trust-grid"), "--out", help="Output folder (resumable)."),
        cache: Path = typer.Option(None, "--cache", help="Cache folder for trained victims."),
        no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
    ) -> None:
        """Every defense x every tactic (the paper's table): table.md, table.csv, grid.png; resumable."""
        from dataclasses import replace

        from micropulse.trust import run_grid
        from micropulse.trust.harness import GRID_DEFENSES, GRID_TACTICS
        from micropulse.trust.tactics import create_tactic
        from micropulse.trust.victims import load_victim

        ds = _names(defenses, GRID_DEFENSES, "defenses")
        ts = _names(tactics, GRID_TACTICS, "tactics")
        for t in ts:
            create_tactic(t)
        given = _given(tau=tau, h=h, rho=rho, s=s, lam=lam, coef=coef, sigma=sigma, nu=nu)
        base = replace(_common_settings(victim, attack, eps, queries, n, seed, p_init),
                       defense_params=_params_for(ds, given))  # fmt: skip
        replace(base, defense=ds[0], tactic=ts[0], defense_params={}).checked()  # eps, queries, n, attack
        vic = load_victim(victim, cache=cache, data=data)

        def report(name: str, summary: dict, reused: bool) -> None:
            if as_json:
                return
            acc = summary["robust_acc"][str(queries)]
            typer.echo(
                f"{name:<28} robust acc {acc:.3f}" + ("  (finished before, skipped)" if reused else "")
            )

        run_grid(
            base, out, defenses=ds, tactics=ts, victim=vic, show_progress=not no_progress, on_cell=report
        )
        if as_json:
            typer.echo((out / "grid.json").read_text())
            return
        typer.echo((out / "table.md").read_text())
        typer.echo(f"wrote {out / 'table.md'}, {out / 'table.csv'}, {out / 'grid.png'}")
