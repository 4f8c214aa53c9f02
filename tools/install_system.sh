#!/usr/bin/env bash
# System packages from Debian, by purpose:
#   install_system.sh book   what building the book can use: Fashion-MNIST (chapter 12). Never
#                            fails: without root, chapter 12 downloads the files instead (verified
#                            by their known hashes, into ~/.mlpkit or $MLPKIT_DATA) and says so.
#   install_system.sh test   what the tests need as well: headless Chromium (page tests and the
#                            PDF), poppler-utils (joins and reads the PDF) and bubblewrap (the
#                            grading sandbox). Missing ones are installed as root;
#                            otherwise the script names them, with the command, and fails.
set -euo pipefail
mode="${1:-test}"
fmnist=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
need=()
[ -f "$fmnist" ] || need+=(dataset-fashion-mnist)
if [ "$mode" = test ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
  command -v pdfunite >/dev/null 2>&1 || need+=(poppler-utils)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install_system: installing ${need[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  elif [ "$mode" = book ]; then
    echo "install_system: Fashion-MNIST is not installed from Debian (not root); chapter 12 will" \
         "download it once, checked against its known SHA-256, into ${MLPKIT_DATA:-$HOME/.mlpkit}/fashion-mnist"
    exit 0
  else
    echo "install_system: the tests need ${need[*]}; install them as root with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
if [ -f "$fmnist" ]; then
  echo "install_system: Fashion-MNIST from Debian's dataset-fashion-mnist ($(dirname "$fmnist"))"
fi
