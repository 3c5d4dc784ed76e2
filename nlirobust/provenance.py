"""Facts about the machine and software a job ran on, recorded beside every result."""

from __future__ import annotations

import hashlib
import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def hardware_facts() -> dict:
    """CPU, GPU and library versions; safe to call on machines without CUDA."""
    import torch
    import transformers

    facts = {
        "hostname": platform.node(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "cuda": torch.version.cuda,
        "gpu": None,
        "gpu_memory_gib": None,
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
    }
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        facts["gpu"] = props.name
        facts["gpu_memory_gib"] = round(props.total_memory / 2**30, 1)
    return facts


def file_digest(path: str | Path) -> str:
    """sha256 of a file's bytes (used to tie checkpoints to the exact data they were trained on)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def path_digest(path: str | Path) -> str:
    """sha256 of what is at `path`: a file's bytes, or every file below a folder (relative names and bytes).

    Anything else (a hub id) is taken by its name, the only thing known about it before it is downloaded.
    """
    path = Path(path)
    if path.is_file():
        return file_digest(path)
    if path.is_dir():
        digest = hashlib.sha256()
        for member in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(member.relative_to(path).as_posix().encode() + b"\0" + file_digest(member).encode())
        return digest.hexdigest()
    return f"name:{path}"
