#!/bin/sh
# Installs Debian's chromium, which the browser tests drive with Playwright, when it is missing and this user may
# install packages (root with apt-get). Prints one line. Never fails: without chromium the browser tests are
# skipped, and each says why.

if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    echo "ensure-chromium: chromium is installed"
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: chromium is missing and cannot be installed here (the browser tests will be skipped)"
    exit 0
fi
if DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }; then
    echo "ensure-chromium: installed chromium"
else
    echo "ensure-chromium: apt-get could not install chromium (the browser tests will be skipped)"
fi
exit 0
