#!/usr/bin/env bash
# Prints the OCI archive of the node tier's pod sandbox image (built once, cached).
set -euo pipefail
cd "$(dirname "$0")/../../.."
source scripts/image/lib.sh
ensure_image_tools
pause_archive localhost/nettune/pause:1
