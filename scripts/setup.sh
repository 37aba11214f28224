#!/usr/bin/env bash
# Installs everything kring needs on a Debian machine (run as root): the C toolchain and
# libraries from Debian's packages, a JDK 17 and Maven, and Apache Kafka's jars from Maven
# Central (tests/cluster/fetch-kafka.sh). Idempotent; quiet when everything is present.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

pkgs=(build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev
      liburing-dev liblz4-dev libxxhash-dev libzstd-dev libcmocka-dev libssl-dev openssl
      librdkafka-dev kcat
      python3 python3-dev python3-venv python3-pip procps netcat-openbsd)
command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -q '"17\.' || pkgs+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || pkgs+=(maven)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -x "$here/tests/cluster/fetch-kafka.sh" ]; then
  "$here/tests/cluster/fetch-kafka.sh"
fi
