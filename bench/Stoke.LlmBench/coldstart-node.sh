#!/usr/bin/env bash
# Cold start of a GGUF function through a real node (fetch + load + first token, as the node reports it):
# memory tier (just deployed on this node) versus repository (node restarted, page cache dropped).
# Usage: bash bench/Stoke.LlmBench/coldstart-node.sh [MODEL.gguf] [TRIALS]
# Needs root for /proc/sys/vm/drop_caches. Build first: dotnet build src/Stoke.Cli -c Release
set -u
cd "$(dirname "$0")/../.."
STOKE=src/Stoke.Cli/bin/Release/net10.0/stoke
MODEL=${1:-../shared/models/llm/stories260K.gguf}
TRIALS=${2:-3}
DATA=$(mktemp -d)
URL=http://127.0.0.1:18082
start() {
  $STOKE serve --url $URL --data "$DATA" --silo-port 21113 --gateway-port 31113 > "$DATA/serve.log" 2>&1 & PID=$!
  for _ in $(seq 1 80); do curl -s $URL/v2/health/live > /dev/null && return; sleep 0.25; done
}
stop() { kill $PID; wait $PID 2> /dev/null; }
ask() {
  curl -s -o /dev/null $URL/v1/completions -H 'Content-Type: application/json' -d '{"model":"big","prompt":"Once","max_tokens":1}'
  sleep 0.5
  curl -s "$URL/api/usage/records?function=big&limit=1" | python3 -c "import json,sys; r=json.load(sys.stdin)[0]; print(r['coldStartTier'], round(r['coldStartMs'], 1), 'ms')"
}
for trial in $(seq 1 "$TRIALS"); do
  start; $STOKE deploy big --model "$MODEL" --server $URL > /dev/null
  echo -n "trial $trial: "; ask; stop
  sync; echo 3 > /proc/sys/vm/drop_caches
  start; echo -n "trial $trial: "; ask; stop
done
rm -rf "$DATA"
