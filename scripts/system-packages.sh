#!/usr/bin/env bash
# System packages the workbench needs beyond Python: CJK fonts so charts, reports and the
# web apps render Chinese, and Debian's chromium for the browser tests (Playwright drives it). Installed with apt-get when running as root on Debian; otherwise the
# missing package is named and set-up goes on (charts then lack Chinese glyphs).
set -u
need=()
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v chromium >/dev/null || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${need[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null \
    || echo "warning: could not install ${need[*]}" >&2
else
  echo "warning: please install ${need[*]} (charts need a CJK font, browser tests chromium)" >&2
fi
exit 0
