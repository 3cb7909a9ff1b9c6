"""The ``tree`` data source of the rPPG task: train/valid/test parts on dataset trees, their cached chunks,
and test metrics through :mod:`micropulse.eval` (the same numbers ``micropulse evaluate`` reports)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from micropulse.datasets.splits import get_protocol
from micropulse.errors import InputError
from micropulse.train.rppg_data import (
    ChunkDataset,
    PartSource,
    Preprocess,
    build_chunks,
    resolve_sources,
    select_entries,
)

log = logging.getLogger(__name__)


class TreeData:
    """Parts of a protocol (or toolbox BEGIN/END splits) over dataset trees, preprocessed once into chunks.

    Construction checks the parts' names (protocol, datasets, keys) only; :meth:`check` opens every tree
    and selects every part (an incomplete tree or an empty part is an error) - the trainer's first data call
    runs it, before any training step.
    """

    def __init__(
        self,
        dataset: str | None,
        root: str | None,
        roots: dict[str, str] | None,
        protocol: str | None,
        splits: dict[str, dict[str, Any]] | None,
        cache_dir: str,
        face: str,
        alignment: str,
        size: int,
        fs: float,
        chunk_length: int,
        normalisation: str,
        geometry: dict[str, Any],
    ) -> None:
        from micropulse.datasets import list_datasets

        self.sources: dict[str, PartSource] = resolve_sources(dataset, root, roots, protocol, splits)
        known = list_datasets()
        for part, src in self.sources.items():
            if src.dataset not in known:
                raise InputError(
                    f"unknown dataset {src.dataset!r} in the {part} part; known: {', '.join(known)}"
                )
        self.protocol = protocol
        self.cache_dir = str(cache_dir)
        self.prep = Preprocess(
            int(size), float(fs), int(chunk_length), normalisation, dict(geometry), face, alignment
        )
        extra = get_protocol(protocol).extra if protocol else {}
        self.selection = str(extra.get("select", "best" if "valid" in self.sources else "last"))
        self._checked = False

    def check(self) -> None:
        """Open every part's tree and select its videos (errors name the tree and the part)."""
        if not self._checked:
            for src in self.sources.values():
                _, entries = select_entries(src, self.prep.alignment)
                log.info("%s part: %d videos of %s", src.part, len(entries), src.dataset)
            self._checked = True

    def dataset(self, part: str) -> ChunkDataset:
        """The memory-mapped chunks of ``part`` (preprocessed on first use, cached under ``cache_dir``)."""
        self.check()
        return ChunkDataset(build_chunks(self.sources[part], self.prep, self.cache_dir, show_progress=True))

    def evaluate(
        self, model: Any, arch: str, meta: dict[str, Any], recipe: str, work_dir: Path | None
    ) -> dict[str, Any]:
        """Test metrics of ``model`` on the test part through :func:`micropulse.eval.run_evaluation`."""
        import torch  # the train package is a torch package; kept local to mirror the loop's checkpoint format

        from micropulse.eval.runner import run_evaluation
        from micropulse.eval.task import EvalConfig

        src = self.sources["test"]
        base = Path(work_dir) if work_dir is not None else Path(tempfile.mkdtemp(prefix="micropulse-test-"))
        base.mkdir(parents=True, exist_ok=True)
        weights = base / "test_weights.pt"
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        torch.save({"state_dict": state, "metadata": meta}, weights)
        cfg = EvalConfig(
            dataset=src.dataset, root=src.root, method=None, model=arch, weights=str(weights), recipe=recipe,
            alignment=self.prep.alignment, face=self.prep.face, begin=src.begin, end=src.end,
            cache_dir=self.cache_dir, protocol=src.protocol, part=src.part if src.protocol else "test",
            segment="whole",
        )  # fmt: skip
        summary = run_evaluation(cfg, base / "test", workers=1)
        doc = summary.metrics
        keep = {k: v for k, v in doc.items() if k not in ("config", "dataset_report", "bland_altman")}
        return {"test_dataset": src.dataset, "test_part": src.to_dict(), **keep}

    def metadata(self) -> dict[str, Any]:
        """Training-set facts for the checkpoint (datasets, parts, protocol, preprocessing)."""
        return {
            "source": "tree",
            "protocol": self.protocol,
            "parts": {p: s.to_dict() for p, s in self.sources.items()},
            "preprocess": {"chunk_length": self.prep.chunk_length, "fs": self.prep.fs, "size": self.prep.size,
                           "normalisation": self.prep.normalisation, "face": self.prep.face,
                           "alignment": self.prep.alignment, "labels": "PPG interpolated at model-rate frame times"},
        }  # fmt: skip
