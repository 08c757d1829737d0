#!/usr/bin/env bash
# Install what the pipeline needs from Debian when it is missing: LibreOffice
# Writer (headless), the Japanese fonts the templates name, poppler's tools,
# python3-venv (a fresh Debian 12 has python3 without ensurepip), and chromium, the browser
# the review app's tests drive through Playwright (its own browser download is not used).
set -euo pipefail

missing=()
# Read the font list once: `fc-list | grep -q` under pipefail fails when grep stops reading early.
fonts=$(fc-list : family 2>/dev/null || true)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
grep -q 'IPAexMincho' <<<"$fonts" || missing+=(fonts-ipaexfont)
grep -q 'Noto Sans CJK JP' <<<"$fonts" || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
fc-cache -f >/dev/null
