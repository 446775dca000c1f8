#!/usr/bin/env bash
# `npm test`: typecheck, lint, unit + integration (vitest), production build, quick benchmarks, e2e (Playwright
# on Debian's Chromium). Installs the system packages the tests need when they are missing.
set -euo pipefail  # pipefail: a failing test run fails the script even through tee
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)                           # npm run bench
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)  # its edge baseline
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
log_dir=$(mktemp -d)
echo "[test] unit + integration"; npx vitest run 2>&1 | tee "$log_dir/vitest.log"
echo "[test] build"; npx next build
# The benchmarks in quick mode (~1-2 min, ADR 051): every module runs, so they cannot rot;
# figures printed, targets never enforced, a crashing module fails the suite.
echo "[test] bench (quick)"; npm run bench -- --quick
echo "[test] e2e"; npx playwright test 2>&1 | tee "$log_dir/e2e.log"

# One plain summary line for whoever reads the end of the log.
strip() { sed -e 's/\x1b\[[0-9;]*m//g' "$1"; }
unit=$(strip "$log_dir/vitest.log" | grep -E '^ +Tests +[0-9]+ passed' | grep -oE '[0-9]+ passed' | head -1 | grep -oE '[0-9]+' || echo 0)
e2e=$(strip "$log_dir/e2e.log" | grep -E '^ +[0-9]+ passed' | tail -1 | grep -oE '[0-9]+' | head -1 || echo 0)
rm -rf "$log_dir"
echo "unit+integration ${unit}, e2e ${e2e}"
echo "tests: $((unit + e2e)) passed, 0 failed"
