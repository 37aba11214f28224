#!/usr/bin/env bash
# Installs everything kring needs on a Debian machine (run as root): the C toolchain and
# libraries from Debian's packages, a JDK 17 and Maven, and Apache Kafka's jars from Maven
# Central (tests/cluster/fetch-kafka.sh). Idempotent; quiet when everything is present.
#   scripts/setup.sh            everything: build, tests, fuzzing, benchmarks, a local Kafka
#   scripts/setup.sh --build    only what building kring and libkring needs (the Dockerfile)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-all}
case $mode in
  all | --build) ;;
  *) echo "usage: $0 [--build]" >&2; exit 2 ;;
esac

# Building kring: the toolchain and the libraries the engine links.
build_pkgs=(build-essential cmake ninja-build pkg-config liburing-dev liblz4-dev libxxhash-dev
            libzstd-dev libssl-dev)
pkgs=("${build_pkgs[@]}")
if [ "$mode" = all ]; then
  pkgs+=(git clang clang-format libclang-rt-14-dev libcmocka-dev libnss-wrapper openssl
         librdkafka-dev kcat python3 python3-yaml python3-dev python3-venv python3-pip procps
         netcat-openbsd prometheus)
  command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -q '"17\.' || pkgs+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
fi

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

if [ "$mode" = all ] && [ -x "$here/tests/cluster/fetch-kafka.sh" ]; then
  "$here/tests/cluster/fetch-kafka.sh"
fi
