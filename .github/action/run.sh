#!/usr/bin/env bash
# The step of the composite action (action.yml): runs `metering-conformance run` with a flag for
# each input that is set, appends the report's summary.md to the job summary, and exits with
# the run's exit code (0 conformant or observed, 1 not conformant, 2 usage error), so that the
# step fails when the run does and the summary is written either way.
#
# Inputs come as environment variables (action.yml maps them): MC_ENDPOINT, MC_CONFIG,
# MC_BASELINE, MC_DRIVER, MC_SDK, MC_LEVEL, MC_SHARD, MC_SEED, MC_OUT (default
# conformance-report), MC_VERSION and MC_ARTIFACT_NAME. The command is
# `npx --yes metering-conformance[@MC_VERSION]`, or METERING_CONFORMANCE_COMMAND when set (a
# path or a command line, split on spaces).
set -uo pipefail

out="${MC_OUT:-conformance-report}"

args=(run)
add() { # add FLAG VALUE: the flag, when its input is set
  if [ -n "$2" ]; then args+=("$1" "$2"); fi
}
add --endpoint "${MC_ENDPOINT:-}"
add --config "${MC_CONFIG:-}"
add --baseline "${MC_BASELINE:-}"
add --driver "${MC_DRIVER:-}"
add --sdk "${MC_SDK:-}"
add --level "${MC_LEVEL:-}"
add --shard "${MC_SHARD:-}"
add --seed "${MC_SEED:-}"
args+=(--out "$out")

if [ -n "${METERING_CONFORMANCE_COMMAND:-}" ]; then
  read -r -a command <<<"$METERING_CONFORMANCE_COMMAND"
elif [ -n "${MC_VERSION:-}" ]; then
  command=(npx --yes "metering-conformance@${MC_VERSION}")
else
  command=(npx --yes metering-conformance)
fi

# The artifact's name: the input, else one per shard (names must be unique within a workflow
# run, and may not hold a slash).
artifact="${MC_ARTIFACT_NAME:-}"
if [ -z "$artifact" ]; then
  artifact="conformance-report"
  if [ -n "${MC_SHARD:-}" ]; then artifact="conformance-report-shard-${MC_SHARD//\//-of-}"; fi
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "report-dir=$out"
    echo "artifact-name=$artifact"
  } >>"$GITHUB_OUTPUT"
fi

echo "metering-conformance: ${command[*]} ${args[*]}"
"${command[@]}" "${args[@]}"
code=$?

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -f "$out/summary.md" ]; then
    cat "$out/summary.md" >>"$GITHUB_STEP_SUMMARY"
  else
    printf '**metering-conformance exited with %s and wrote no %s/summary.md**: see the step log.\n' "$code" "$out" >>"$GITHUB_STEP_SUMMARY"
  fi
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "exit-code=$code" >>"$GITHUB_OUTPUT"; fi

exit "$code"
