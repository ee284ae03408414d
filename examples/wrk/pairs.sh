#!/usr/bin/env bash
# Ingest against a bare handler under wrk (Debian's wrk), in pairs: a
# seloste serve on a fresh SQLite database and examples/wrk/bare, each
# loaded for 8 s by wrk in turn, the order alternating, 4 pairs. Prints each
# run's requests/s and p99 and each pair's ratios. Run from the repository:
#
#	bash examples/wrk/pairs.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "pairs.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
go build -o "$dir/seloste" ./cmd/seloste
go build -o "$dir/bare" ./examples/wrk/bare
"$dir/seloste" serve -addr 127.0.0.1:18092 -site example.fi -consent exempt -db "$dir/s.db" -public "$dir" \
	-content "$dir/content" -build-notice=false -auth "$dir/s.auth" -trust-proxy 127.0.0.1/32 2>"$dir/serve.log" &
"$dir/bare" -addr 127.0.0.1:18091 &
for _ in $(seq 50); do curl -sf http://127.0.0.1:18092/healthz >/dev/null && break; sleep 0.2; done
run() { # name port → "requests/s p99-ms"
	wrk -t1 -c16 -d8s --latency -s examples/wrk/post.lua "http://127.0.0.1:$2" |
		awk '/Requests\/sec/ {r = $2} / 99%/ {p = $2; if (p ~ /us$/) p = p / 1000; else if (p ~ /ms$/) p = p + 0; else p = p * 1000} END {print r, p}'
}
for i in 1 2 3 4; do
	if ((i % 2)); then b=$(run bare 18091); s=$(run serve 18092); else s=$(run serve 18092); b=$(run bare 18091); fi
	read -r br bp <<<"$b"
	read -r sr sp <<<"$s"
	awk -v i="$i" -v br="$br" -v bp="$bp" -v sr="$sr" -v sp="$sp" 'BEGIN {
		printf "pair %d: serve %.0f/s p99 %.2f ms; bare %.0f/s p99 %.2f ms; ratio %.2f, p99 %.2fx\n", i, sr, sp, br, bp, sr / br, sp / bp }'
done
