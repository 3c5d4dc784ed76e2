#!/usr/bin/env bash
# Make `snakemake --profile slurm` (a bare name) find this repository's SLURM profile: Snakemake looks bare names up
# in the working directory, then in ~/.config/snakemake (XDG_CONFIG_HOME) and the site config folder. This links
# profiles/slurm there, so later edits to the repository's profile apply. Run once per user and clone.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/slurm" && pwd)
target_root="${XDG_CONFIG_HOME:-$HOME/.config}/snakemake"
target="$target_root/${1:-slurm}"
mkdir -p "$target_root"
if [ -e "$target" ] && [ "$(readlink -f "$target")" != "$source_dir" ]; then
  echo "error: $target exists and is not this repository's profile; remove it or pass another name" >&2
  exit 1
fi
ln -sfn "$source_dir" "$target"
echo "installed: $target -> $source_dir (use: snakemake --profile ${1:-slurm})"
