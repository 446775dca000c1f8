#!/usr/bin/env bash
# `npm test`: typecheck, lint, unit + integration (vitest), production build, e2e (Playwright
# on Debian's Chromium). Installs the system packages the tests need when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
fc-list 2>/dev/null | grep -qi dejavu || need_apt+=(fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[test] installing ${need_apt[*]} with apt"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

npx tsx scripts/ensure-env.ts
echo "[test] typecheck"; npx tsc --noEmit
echo "[test] lint"; npx eslint . --max-warnings=0
echo "[test] unit + integration"; npx vitest run
echo "[test] build"; npx next build
echo "[test] e2e"; npx playwright test
