"""The IDX file format of (Fashion-)MNIST, and loaders that work offline.

An IDX file is a 4-byte magic number ``0 0 <type> <ndim>``, then ``ndim`` big-endian
uint32 sizes, then the data in C order. MNIST and Fashion-MNIST use type 0x08 (uint8):
images are ``(n, 28, 28)``, labels ``(n,)``.
"""
import gzip
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "load_fashion_mnist", "load_mnist", "FASHION_MNIST_FILES", "MNIST_FILES",
           "FASHION_MNIST_CLASSES"]

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
#: SHA-256 of the *uncompressed* IDX data (the .gz bytes differ between mirrors; Debian
#: recompresses them). Computed from Debian's package dataset-fashion-mnist.
FASHION_MNIST_FILES = dict(zip(_NAMES, (
    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
)))
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
#: MD5 of the MNIST .gz files as the dataset's mirrors publish them (pooch's "md5:" form).
MNIST_FILES = dict(zip(_NAMES, (
    "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873", "md5:d53e105ee54ea40749a09fcbcd1e9432",
    "md5:9fb629c4189551a2d022fa330f9573f3", "md5:ec29112dd5afa0611ce80d1b7f02629c",
)))
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"


def _read_bytes(path):
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        return f.read()


def read_idx(path):
    """Read an IDX file (``.gz`` or raw) into a numpy array.

    Raises
    ------
    ValueError
        If the magic number or the sizes do not match the file's length (a corrupt or
        truncated download), naming the file and what was expected.
    """
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4].hex() or 'missing'})")
    ndim = raw[3]
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = 4 + 4 * ndim + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path}: IDX header says shape {shape} ({expected} bytes) but the file "
                         f"has {len(raw)} bytes; the file is truncated or corrupt, delete it and retry")
    return np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim).reshape(shape).astype(dtype.newbyteorder("="))


def _candidate_dirs(name, path):
    env = {"fashion-mnist": "MLPKIT_FASHION_MNIST", "mnist": "MLPKIT_MNIST"}[name]
    dirs = [path, os.environ.get(env)]
    if os.environ.get("MLPKIT_DATA"):
        dirs.append(Path(os.environ["MLPKIT_DATA"]) / name)
    dirs += [Path.home() / ".mlpkit" / name, Path(sys.prefix) / "share" / "mlpkit" / name,   # the course kit's
             Path("/usr/share/datasets") / name]
    return [Path(d) for d in dirs if d]


def _download(name, files, base_url):
    """Fetch the files with pooch into $MLPKIT_DATA/<name> (or ~/.mlpkit/<name>) and verify them."""
    import pooch
    cache = Path(os.environ.get("MLPKIT_DATA", Path.home() / ".mlpkit")) / name
    print(f"{name}: not found locally; downloading {len(files)} files from {base_url} into {cache} "
          "(each checked against its known hash)", file=sys.stderr)
    paths = []
    for fname, known in files.items():
        gz_hash = known if known.startswith("md5:") else None   # None: checked below, uncompressed
        p = Path(pooch.retrieve(base_url + fname, known_hash=gz_hash, fname=fname, path=cache,
                                progressbar=False))
        if gz_hash is None and hashlib.sha256(_read_bytes(p)).hexdigest() != known:
            p.unlink()
            raise ValueError(f"{fname} downloaded from {base_url} does not match its known SHA-256; "
                             f"it was deleted. Try again, or install the files locally.")
        paths.append(p)
    return paths


def _load(name, path, files, url, flatten, download):
    dirs = _candidate_dirs(name, path)
    found = next((d for d in dirs if all((d / f).exists() for f in files)), None)
    if found is not None:
        paths = [found / f for f in files]
    elif download:
        paths = _download(name, files, url)
    else:
        hint = " or `apt-get install dataset-fashion-mnist` on Debian" if name == "fashion-mnist" else ""
        raise FileNotFoundError(f"{name}: the four IDX files were not found in {[str(d) for d in dirs]}; "
                                f"set $MLPKIT_DATA, pass path=, allow download=True{hint}")
    Xtr, ytr, Xte, yte = (read_idx(p) for p in paths)
    if flatten:
        Xtr, Xte = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
    return Xtr, ytr.astype(np.int64), Xte, yte.astype(np.int64)


def load_fashion_mnist(path=None, flatten=True, download=True):
    """Fashion-MNIST (Xiao et al. 2017): 60 000 + 10 000 grey 28×28 images of 10 classes.

    Looks for the four ``*.gz`` IDX files in: ``path``, ``$MLPKIT_FASHION_MNIST``,
    ``$MLPKIT_DATA/fashion-mnist``, ``~/.mlpkit/fashion-mnist``, Debian's
    ``/usr/share/datasets/fashion-mnist`` (package ``dataset-fashion-mnist``); otherwise
    downloads them with pooch and checks the SHA-256 of their contents.

    Returns
    -------
    X_train (60000, 784) uint8, y_train (60000,) int64, X_test (10000, 784) uint8, y_test (10000,) int64
        Images are (n, 28, 28) with ``flatten=False``; scale with ``X / 255`` before training.
    """
    return _load("fashion-mnist", path, FASHION_MNIST_FILES, FASHION_MNIST_URL, flatten, download)


def load_mnist(path=None, flatten=True, download=True):
    """MNIST handwritten digits: same format, same search order (``$MLPKIT_MNIST``,
    ``$MLPKIT_DATA/mnist``, ``~/.mlpkit/mnist``), else downloaded and checked against the
    published MD5 sums."""
    return _load("mnist", path, MNIST_FILES, MNIST_URL, flatten, download)
