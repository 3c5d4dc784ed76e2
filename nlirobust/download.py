"""Materialise hub data sets, URLs and hub models under resources/, so GPU jobs never touch the network.

A Hugging Face token, if needed, is read by huggingface_hub from the environment (HF_TOKEN) and never written.
"""

from __future__ import annotations

import shutil
import urllib.request
import zipfile
from pathlib import Path


def _replace_dir(tmp: Path, final: Path) -> None:
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)


def download_hub_dataset(dataset_id: str, config_name: str | None, out: str | Path) -> None:
    import datasets

    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    datasets.load_dataset(dataset_id, config_name).save_to_disk(str(tmp))
    _replace_dir(tmp, out)


def download_url(url: str, out: str | Path) -> None:
    """Download into folder `out`; a .zip is unpacked there."""
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    name = url.split("?")[0].rstrip("/").split("/")[-1] or "download"
    target = tmp / name
    with urllib.request.urlopen(url, timeout=120) as response, open(target, "wb") as handle:
        shutil.copyfileobj(response, handle)
    if zipfile.is_zipfile(target):
        with zipfile.ZipFile(target) as archive:
            archive.extractall(tmp)
        target.unlink()
    _replace_dir(tmp, out)


def download_hub_model(model_id: str, out: str | Path) -> None:
    from huggingface_hub import snapshot_download

    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    snapshot_download(model_id, local_dir=str(tmp))
    _replace_dir(tmp, out)
