#!/bin/sh
# hit @HIT_VERSION@ (deno @DENO_VERSION@, self-extracting): this /bin/sh header, then a gzip'd tar
# of the Deno runtime, the bundled hit and its flags. The first run unpacks it into
# ${XDG_CACHE_HOME:-$HOME/.cache}/hit/SHA256/, checked against its sha256, and loads every module
# once (warm.js) so Deno's code cache is full from the next run on; every run then starts the
# runtime from there. Made by scripts/compile.ts from scripts/launcher.sh.
set -eu
payload_offset=@PAYLOAD_OFFSET@
payload_sha256=@PAYLOAD_SHA256@

die() {
  echo "hit: $*" >&2
  exit 1
}

case "${XDG_CACHE_HOME:-}" in
/*) cache=$XDG_CACHE_HOME/hit ;;
*)
  # A relative XDG_CACHE_HOME is invalid (XDG base directory spec) and ignored.
  [ -n "${HOME:-}" ] || die "cannot find a folder to unpack into: set HOME or XDG_CACHE_HOME"
  cache=$HOME/.cache/hit
  ;;
esac
final=$cache/$payload_sha256
DENO_DIR=$cache/deno-dir
DENO_NO_UPDATE_CHECK=1
export DENO_DIR DENO_NO_UPDATE_CHECK

if [ ! -d "$final" ]; then
  for tool in tail sha256sum gzip tar mktemp; do
    command -v "$tool" >/dev/null 2>&1 || die "cannot unpack \"$0\": \"$tool\" is not in PATH"
  done
  mkdir -p "$cache" || die "cannot create the cache folder \"$cache\""
  # Temp folders of first runs that were killed; a running one is minutes old at most.
  find "$cache" -maxdepth 1 -name '.tmp.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || :
  tmp=$(mktemp -d "$cache/.tmp.XXXXXX") || die "cannot create a temp folder in \"$cache\""
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 1' HUP INT TERM
  # Checked before unpacking: a truncated download says so instead of failing inside tar.
  actual=$(tail -c +$((payload_offset + 1)) "$0" | sha256sum | cut -d ' ' -f 1)
  [ "$actual" = "$payload_sha256" ] ||
    die "cannot unpack \"$0\": the file is damaged or incomplete (its payload has sha256 $actual, expected $payload_sha256); download it again"
  tail -c +$((payload_offset + 1)) "$0" | gzip -dc | tar -xf - -C "$tmp" --no-same-owner ||
    die "cannot unpack \"$0\" into \"$tmp\""
  # mktemp's 0700 would keep out the unprivileged user a root hit's builds run as (in-build hit).
  chmod 755 "$tmp" || die "cannot make \"$tmp\" readable"
  # Two first runs at once: the first rename wins, the other finds its folder and drops its own.
  if mv -T "$tmp" "$final" 2>/dev/null; then
    # Deno's code cache is keyed by the modules' paths: filled here, from the final folder. Only
    # a speed-up: a failure leaves the cache to fill on later runs.
    [ ! -f "$final/warm.js" ] ||
      "$final/deno" run --quiet --no-config --no-remote --no-npm --allow-read \
        "$final/warm.js" >/dev/null 2>&1 || :
  else
    [ -d "$final" ] || die "cannot move the unpacked files to \"$final\""
    rm -rf "$tmp"
  fi
  trap - EXIT HUP INT TERM
fi

# This file itself, so that `hit mirror export` can carry it across an air gap. No subshell:
# every fork is start-up time. $0 holds a slash when the shell found this file through PATH.
case $0 in
/*) HIT_EXECUTABLE=$0 ;;
*) HIT_EXECUTABLE=$PWD/$0 ;;
esac
export HIT_EXECUTABLE
exec "$final/deno" run --quiet @RUN_FLAGS@ "$final/main.js" "$@"
exit 127
