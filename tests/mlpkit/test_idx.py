import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from mlpkit import idx

pytestmark = [pytest.mark.ch12]

DEBIAN = Path("/usr/share/datasets/fashion-mnist")


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    with gzip.open(path, "wb") as f:
        f.write(data)
    return data


def fake_dataset(folder, n_train=6, n_test=4):
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (n_train, 28, 28)), rng.integers(0, 10, n_train),
              rng.integers(0, 256, (n_test, 28, 28)), rng.integers(0, 10, n_test)]
    folder.mkdir(parents=True, exist_ok=True)
    raw = [write_idx(folder / name, a) for name, a in zip(idx._NAMES, arrays)]
    return arrays, raw


def test_read_idx_round_trip_and_corruption(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", a)
    np.testing.assert_array_equal(idx.read_idx(tmp_path / "a.gz"), a)
    (tmp_path / "bad").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05ab")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        idx.read_idx(tmp_path / "bad")
    (tmp_path / "junk").write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        idx.read_idx(tmp_path / "junk")


def test_local_search_order_and_env_variable(tmp_path, monkeypatch):
    arrays, _ = fake_dataset(tmp_path / "fm")
    monkeypatch.setenv("MLPKIT_FASHION_MNIST", str(tmp_path / "fm"))
    Xtr, ytr, Xte, yte = idx.load_fashion_mnist()
    assert Xtr.shape == (6, 784) and Xte.shape == (4, 784)
    np.testing.assert_array_equal(ytr, arrays[1])
    assert idx.load_fashion_mnist(path=tmp_path / "fm", flatten=False)[0].shape == (6, 28, 28)


def test_missing_files_without_download_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("MLPKIT_DATA", raising=False)
    monkeypatch.delenv("MLPKIT_MNIST", raising=False)
    with pytest.raises(FileNotFoundError, match="mnist: the four IDX files were not found"):
        idx.load_mnist(download=False)


def test_download_path_verifies_hashes_without_network(tmp_path, monkeypatch):
    """The pooch branch, with pooch.retrieve replaced by a local copy (tests never download)."""
    import pooch
    src = tmp_path / "mirror"
    _, raw = fake_dataset(src)
    monkeypatch.setenv("MLPKIT_DATA", str(tmp_path / "cache"))
    files = {name: hashlib.sha256(r).hexdigest() for name, r in zip(idx._NAMES, raw)}
    calls = []

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        calls.append((url, known_hash))
        Path(path).mkdir(parents=True, exist_ok=True)
        target = Path(path) / fname
        target.write_bytes((src / fname).read_bytes())
        return str(target)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    paths = idx._download("fashion-mnist", files, "https://example.invalid/")
    assert len(paths) == 4 and calls[0][0] == "https://example.invalid/train-images-idx3-ubyte.gz"
    bad = dict(files, **{idx._NAMES[0]: "0" * 64})
    with pytest.raises(ValueError, match="does not match its known SHA-256"):
        idx._download("fashion-mnist", bad, "https://example.invalid/")


@pytest.mark.skipif(not DEBIAN.exists() and not os.environ.get("CI"), reason="Debian's dataset-fashion-mnist not installed")
def test_debian_fashion_mnist_matches_the_known_hashes():
    for name, digest in idx.FASHION_MNIST_FILES.items():
        assert hashlib.sha256(idx._read_bytes(DEBIAN / name)).hexdigest() == digest
    Xtr, ytr, Xte, yte = idx.load_fashion_mnist()
    assert Xtr.shape == (60000, 784) and Xte.shape == (10000, 784) and Xtr.dtype == np.uint8
    assert np.bincount(ytr).tolist() == [6000] * 10
