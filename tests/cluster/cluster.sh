#!/usr/bin/env bash
# A real Apache Kafka (KRaft, jars from tests/cluster/libs/<version>) on 127.0.0.1 for
# kring's integration tests, benchmarks and demo. Two fixed layouts:
#   single  node 1: broker 127.0.0.1:19092, controller 127.0.0.1:19093, secure listeners
#           SSL :19094, MTLS :19095 (SSL, client certificate required), SASL_PLAINTEXT
#           :19096, SASL_SSL :19097, BADHOST :19098 (SSL, certificate not for 127.0.0.1),
#           REAUTH :19099 (SASL_SSL, connections.max.reauth.ms=10000)
#   three   nodes 1,2,3: brokers 127.0.0.1:29092,29192,29292, controllers :29093,:29193,:29293,
#           SASL_SSL :29094,:29194,:29294
# The SASL listeners take PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (unsecured
# JWT), except REAUTH, which leaves out SCRAM-SHA-256. TLS material comes from certs.sh (run/<cluster>/certs), made fresh at every start;
# SCRAM users are made at format time; run/<cluster>/client/ holds a ready client config
# per client kind (KIND.properties for Kafka's tools, KIND.kcat for kcat -F). Inter-broker
# and controller traffic stays PLAINTEXT.
# Every node is broker+controller with static controller.quorum.voters. State lives in
# tests/cluster/run/<cluster>/: node<i>/server.properties, node<i>/data (log.dirs),
# node<i>.log (the broker's log and JVM output), node<i>.pid, cluster.id.
#
# `start` always formats fresh data dirs; if every node of that cluster is already running
# and serving it says so and exits 0, leaving the cluster (and its topics) as it is. A
# partly running cluster is stopped and started fresh. `stop` leaves run/ in place for
# post-mortems; the next `start` wipes it.
#
# Environment: KR_KAFKA_VERSION (the Kafka version `start` runs, e.g. 3.9.1 or 4.4.0;
# default pom.xml's 4.1.2; fetch-kafka.sh fetches it into libs/<version>; the other
# commands use the version the cluster was started with), KR_JAVA_HOME (default Java 17),
# KR_BROKER_HEAP (JVM heap options per node), KR_BROKER_JAVA_OPTS (extra JVM options),
# KR_BROKER_OVERRIDES ("k=v k=v", appended to every node's server.properties at start),
# KR_CLUSTER_TIMEOUT_S (readiness timeout, default 120), KR_CLUSTER_PORT_OFFSET.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
java_home=${KR_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
timeout_s=${KR_CLUSTER_TIMEOUT_S:-120}
stop_wait_s=30

# SASL users (SCRAM ones made at format time, PLAIN ones in the listeners' JAAS config) and
# the OAUTHBEARER principal (unsecured JWT: any token with this "sub" and a future "exp").
plain_user=kr-plain plain_password=kr-plain-secret
scram256_user=kr-scram256 scram256_password=kr-scram256-secret
scram512_user=kr-scram512 scram512_password=kr-scram512-secret
oauth_principal=kr-oauth
sasl_mechs=(PLAIN SCRAM-SHA-256 SCRAM-SHA-512 OAUTHBEARER)
reauth_ms=10000
jaas_plain=org.apache.kafka.common.security.plain.PlainLoginModule
jaas_scram=org.apache.kafka.common.security.scram.ScramLoginModule
jaas_oauth=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule

usage() {
  cat >&2 <<EOF
usage: $0 COMMAND CLUSTER [args]     CLUSTER is single or three
  start CLUSTER                 format fresh data dirs, start every node, wait until ready
  stop CLUSTER                  SIGTERM every node, SIGKILL after ${stop_wait_s} s
  status CLUSTER                exit 0 all running, 1 partly, 3 none
  env CLUSTER                   print export lines: KR_TEST_BOOTSTRAP, KR_TEST_CLUSTER_DIR,
                                KR_TEST_KAFKA_TOOL, KR_TEST_BROKERS, KR_TEST_CLUSTER,
                                KR_TEST_CLUSTER_SH, KR_TEST_VERIFY_TOPIC,
                                KR_TEST_COUNT_SECURE, KR_TEST_<LISTENER>_BOOTSTRAP,
                                KR_TEST_CA and the other certificate paths, users and
                                passwords, KR_TEST_PROPS_<KIND>, KR_TEST_KCAT_<KIND>
                                (docs/CLUSTER.md lists them)
  bootstrap CLUSTER KIND        print the bootstrap of client kind KIND (plaintext, ssl,
                                mtls, sasl_ssl-scram-sha-512, ...; a wrong KIND lists them)
  props CLUSTER KIND            print the path of KIND's Java client-properties file
  kcat-props CLUSTER KIND       print the path of KIND's kcat -F file (not for SCRAM)
  create-topic CLUSTER NAME PARTITIONS RF [k=v ...]
                                create a topic (TopicCommand), wait until every broker
                                knows a leader for each partition
  pid CLUSTER NODE              print a node's pid (exit 1 if not running)
  start-node CLUSTER NODE...    restart stopped nodes of a running cluster (keeps data)
  stop-node CLUSTER NODE        stop one node (SIGTERM, SIGKILL after ${stop_wait_s} s)
EOF
  exit 2
}

die() { echo "cluster: $*" >&2; exit 1; }

# Sets the layout globals for cluster $1: name, dir, nodes, broker_ports, ctrl_ports, heap.
layout() {
  name=$1
  case $name in
    single)
      broker_ports=(19092); ctrl_ports=(19093)
      sec_names=(SSL MTLS SASL_PLAINTEXT SASL_SSL BADHOST REAUTH)
      heap=${KR_BROKER_HEAP:--Xms256m -Xmx512m} ;;
    three)
      broker_ports=(29092 29192 29292); ctrl_ports=(29093 29193 29293)
      sec_names=(SASL_SSL)
      heap=${KR_BROKER_HEAP:--Xms128m -Xmx384m} ;;
    *) usage ;;
  esac
  # KR_CLUSTER_PORT_OFFSET moves every port, so a second checkout can run its own cluster.
  local off=${KR_CLUSTER_PORT_OFFSET:-0} i
  [[ "$off" =~ ^[0-9]+$ ]] || die "KR_CLUSTER_PORT_OFFSET must be a number"
  for i in "${!broker_ports[@]}"; do
    broker_ports[i]=$((broker_ports[i] + off))
    ctrl_ports[i]=$((ctrl_ports[i] + off))
  done
  nodes=${#broker_ports[@]}
  dir=$here/run/$name
  certs=$dir/certs
  props=$dir/client
}

# Protocol of secure listener $1.
sec_protocol() {
  case $1 in
    SSL | MTLS | BADHOST) echo SSL ;;
    SASL_PLAINTEXT) echo SASL_PLAINTEXT ;;
    SASL_SSL | REAUTH) echo SASL_SSL ;;
    *) die "unknown listener $1" ;;
  esac
}

# Port of secure listener $1 on node $2: the ports after the node's controller port, in
# the order of sec_names (single: SSL +2, MTLS +3, ..., REAUTH +7 from the broker port).
sec_port() {
  local k
  for k in "${!sec_names[@]}"; do
    [ "${sec_names[k]}" = "$1" ] && { echo $((broker_ports[$2 - 1] + 2 + k)); return 0; }
  done
  die "$name has no listener $1"
}

# Comma-separated host:port of secure listener $1 on every node.
sec_bootstrap() {
  local i out=
  for ((i = 1; i <= nodes; i++)); do out+=${out:+,}127.0.0.1:$(sec_port "$1" "$i"); done
  echo "$out"
}

bootstrap() {
  local i out=
  for ((i = 0; i < nodes; i++)); do out+=${out:+,}127.0.0.1:${broker_ports[i]}; done
  echo "$out"
}

voters() {
  local i out=
  for ((i = 0; i < nodes; i++)); do out+=${out:+,}$((i + 1))@127.0.0.1:${ctrl_ports[i]}; done
  echo "$out"
}

check_node() {
  if ! [[ $1 =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > nodes)); then die "$name has nodes 1..$nodes, not '$1'"; fi
}

# True if pid $1 is a live (not zombie) broker JVM for node $2 of this cluster: the pid file
# alone could name a recycled pid, so the command line must name the node's config.
is_node_pid() {
  local pid=$1 node=$2 state
  [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1) || return 1
  [ "$state" != Z ] && [ "$state" != X ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/node$node/server.properties"
}

# Prints node $1's pid if it is running, else returns 1.
node_pid() {
  local f=$dir/node$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] && is_node_pid "$pid" "$1" || return 1
  echo "$pid"
}

running_count() {
  local i n=0
  for ((i = 1; i <= nodes; i++)); do node_pid "$i" >/dev/null && n=$((n + 1)); done
  echo "$n"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Number of brokers a metadata request to $1 (host:port list) returns, or 0.
broker_count() {
  local n
  n=$(timeout 10 kcat -b "$1" -L -m 5 2>/dev/null | sed -n 's/^ *\([0-9]*\) brokers:.*/\1/p')
  echo "${n:-0}"
}

write_config() {
  local i=$1 nd=$dir/node$1
  mkdir -p "$nd/data"
  local rf=$nodes min_isr=$(( nodes > 1 ? 2 : 1 )) sec
  sec=$(sec_listeners "$i")
  cat >"$nd/server.properties" <<EOF
# Written by tests/cluster/cluster.sh for cluster '$name'; rewritten on every start.
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$(voters)
listeners=PLAINTEXT://127.0.0.1:${broker_ports[i - 1]},CONTROLLER://127.0.0.1:${ctrl_ports[i - 1]}$sec
advertised.listeners=PLAINTEXT://127.0.0.1:${broker_ports[i - 1]}$sec
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT$(sec_protocol_map)
log.dirs=$nd/data

# Lean on a 2-core machine.
num.network.threads=2
num.io.threads=2
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
background.threads=2
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608

# Internal topics: replication factor = cluster size, few partitions.
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
share.coordinator.state.topic.num.partitions=1
group.initial.rebalance.delay.ms=0

# Topics: created explicitly by tests; room for a 1 MiB value plus batch overhead.
auto.create.topics.enable=false
log.segment.bytes=67108864
message.max.bytes=2097152
replica.fetch.max.bytes=2097152
EOF
  sec_config >>"$nd/server.properties"
  local kv
  for kv in ${KR_BROKER_OVERRIDES:-}; do echo "$kv" >>"$nd/server.properties"; done
}

# ",NAME://127.0.0.1:PORT" for every secure listener of node $1.
sec_listeners() {
  local l
  for l in "${sec_names[@]}"; do printf ',%s://127.0.0.1:%s' "$l" "$(sec_port "$l" "$1")"; done
}

sec_protocol_map() {
  local l
  for l in "${sec_names[@]}"; do printf ',%s:%s' "$l" "$(sec_protocol "$l")"; done
}

# The broker settings of the secure listeners: PEM key and trust stores from certs.sh,
# mutual TLS on MTLS, the mismatching certificate on BADHOST, every SASL mechanism (with a
# JAAS entry each) on the SASL listeners, the re-authentication deadline on REAUTH.
sec_config() {
  local l lc m
  cat <<EOF

# Secure listeners: TLS material from certs.sh in $certs.
ssl.keystore.type=PEM
ssl.keystore.location=$certs/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$certs/ca.pem
sasl.enabled.mechanisms=$(IFS=,; echo "${sasl_mechs[*]}")
EOF
  for l in "${sec_names[@]}"; do
    lc=${l,,}
    case $l in
      MTLS) echo "listener.name.$lc.ssl.client.auth=required" ;;
      BADHOST) echo "listener.name.$lc.ssl.keystore.type=PEM"
        echo "listener.name.$lc.ssl.keystore.location=$certs/badhost-keystore.pem" ;;
      REAUTH) for m in "${sasl_mechs[@]}"; do
          echo "listener.name.$lc.${m,,}.connections.max.reauth.ms=$reauth_ms"
        done
        # One mechanism left out, for the "mechanism not enabled" test.
        echo "listener.name.$lc.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512,OAUTHBEARER" ;;
    esac
    [[ $(sec_protocol "$l") == SASL_* ]] || continue
    for m in "${sasl_mechs[@]}"; do
      echo "listener.name.$lc.${m,,}.sasl.jaas.config=$(server_jaas "$m")"
    done
  done
}

# The broker's JAAS line for SASL mechanism $1.
server_jaas() {
  case $1 in
    PLAIN) echo "$jaas_plain required user_$plain_user=\"$plain_password\";" ;;
    SCRAM-*) echo "$jaas_scram required;" ;;
    OAUTHBEARER) echo "$jaas_oauth required unsecuredLoginStringClaim_sub=\"kr-broker\";" ;;
  esac
}

# Client kinds with a ready client-properties file: plaintext, ssl, mtls, badhost (normal
# hostname verification: must fail), badhost-noverify, and LISTENER-MECHANISM for every SASL
# listener (sasl_plaintext, sasl_ssl, reauth) and mechanism (plain, scram-sha-256, ...).
client_kinds() {
  local l m
  echo plaintext
  for l in "${sec_names[@]}"; do
    case $l in
      SSL | MTLS) echo "${l,,}" ;;
      BADHOST) echo badhost badhost-noverify ;;
      *) for m in "${sasl_mechs[@]}"; do echo "${l,,}-${m,,}"; done ;;
    esac
  done
}

# Java client properties for client kind $1 (Kafka's tools: --command-config,
# --consumer.config, --producer.config).
java_props() {
  local kind=$1 l=${1%%-*} m=${1#*-}
  [ "$m" != "$kind" ] || m=
  case $l in
    plaintext) echo "security.protocol=PLAINTEXT"; return 0 ;;
    ssl | mtls | badhost) echo "security.protocol=SSL" ;;
    *) echo "security.protocol=$(sec_protocol "${l^^}")" ;;
  esac
  if [[ $l != sasl_plaintext ]]; then
    echo "ssl.truststore.type=PEM"
    echo "ssl.truststore.location=$certs/ca.pem"
  fi
  [ "$l" = mtls ] && echo "ssl.keystore.type=PEM" &&
    echo "ssl.keystore.location=$certs/client-keystore.pem"
  [ "$kind" = badhost-noverify ] && echo "ssl.endpoint.identification.algorithm="
  [[ $l == badhost || $l == ssl || $l == mtls ]] && return 0
  echo "sasl.mechanism=${m^^}"
  case $m in
    plain) echo "sasl.jaas.config=$jaas_plain required" \
      "username=\"$plain_user\" password=\"$plain_password\";" ;;
    scram-sha-256) echo "sasl.jaas.config=$jaas_scram required" \
      "username=\"$scram256_user\" password=\"$scram256_password\";" ;;
    scram-sha-512) echo "sasl.jaas.config=$jaas_scram required" \
      "username=\"$scram512_user\" password=\"$scram512_password\";" ;;
    oauthbearer) echo "sasl.jaas.config=$jaas_oauth required" \
      "unsecuredLoginStringClaim_sub=\"$oauth_principal\";" ;;
  esac
}

# librdkafka properties (kcat -F) for client kind $1.
kcat_props() {
  local kind=$1 l=${1%%-*} m=${1#*-}
  [ "$m" != "$kind" ] || m=
  case $l in
    plaintext) echo "security.protocol=plaintext"; return 0 ;;
    ssl | mtls | badhost) echo "security.protocol=ssl" ;;
    *) echo "security.protocol=$(sec_protocol "${l^^}" | tr 'A-Z' 'a-z')" ;;
  esac
  [[ $l != sasl_plaintext ]] && echo "ssl.ca.location=$certs/ca.pem"
  [ "$l" = mtls ] && echo "ssl.certificate.location=$certs/client.pem" &&
    echo "ssl.key.location=$certs/client.key"
  [ "$kind" = badhost-noverify ] && echo "ssl.endpoint.identification.algorithm=none"
  [[ $l == badhost || $l == ssl || $l == mtls ]] && return 0
  echo "sasl.mechanisms=${m^^}"
  case $m in
    plain) echo "sasl.username=$plain_user"; echo "sasl.password=$plain_password" ;;
    scram-sha-256) echo "sasl.username=$scram256_user"; echo "sasl.password=$scram256_password" ;;
    scram-sha-512) echo "sasl.username=$scram512_user"; echo "sasl.password=$scram512_password" ;;
    oauthbearer) echo "enable.sasl.oauthbearer.unsecure.jwt=true"
      echo "sasl.oauthbearer.config=principal=$oauth_principal" ;;
  esac
}

# Writes $props/KIND.properties (Java) and $props/KIND.kcat (kcat -F) for every client kind.
write_client_props() {
  local k
  mkdir -p "$props"
  for k in $(client_kinds); do
    java_props "$k" >"$props/$k.properties"
    has_kcat "$k" && kcat_props "$k" >"$props/$k.kcat"
  done
  return 0
}

# True if kcat (Debian's librdkafka 2.0.2) can use client kind $1. Not for SCRAM: librdkafka
# before 2.6.1 repeats the client nonce in client-final-message and Kafka 4.x rejects it
# (confluentinc/librdkafka#4895). Not for badhost-noverify: kcat -F does not apply
# ssl.endpoint.identification.algorithm=none (pass it with -X).
has_kcat() {
  case $1 in
    *scram* | badhost-noverify) return 1 ;;
  esac
}

# The bootstrap (host:port list) for client kind $1.
kind_bootstrap() {
  local l=${1%%-*}
  case $l in
    plaintext) bootstrap ;;
    *) sec_bootstrap "${l^^}" ;;
  esac
}

cmd_env_secure() {
  local l k v
  for l in "${sec_names[@]}"; do echo "export KR_TEST_${l}_BOOTSTRAP=$(sec_bootstrap "$l")"; done
  echo "export KR_TEST_CERTS_DIR=$certs"
  echo "export KR_TEST_CA=$certs/ca.pem"
  echo "export KR_TEST_UNTRUSTED_CA=$certs/untrusted-ca.pem"
  echo "export KR_TEST_CLIENT_CERT=$certs/client.pem"
  echo "export KR_TEST_CLIENT_KEY=$certs/client.key"
  echo "export KR_TEST_CLIENT_KEY_ENC=$certs/client-enc.key"
  echo "export KR_TEST_CLIENT_KEY_PASSWORD=$(sed -n 's/^key_password=//p' "$here/certs.sh")"
  echo "export KR_TEST_UNTRUSTED_CLIENT_CERT=$certs/untrusted-client.pem"
  echo "export KR_TEST_UNTRUSTED_CLIENT_KEY=$certs/untrusted-client.key"
  echo "export KR_TEST_PLAIN_USER=$plain_user KR_TEST_PLAIN_PASSWORD=$plain_password"
  echo "export KR_TEST_SCRAM256_USER=$scram256_user KR_TEST_SCRAM256_PASSWORD=$scram256_password"
  echo "export KR_TEST_SCRAM512_USER=$scram512_user KR_TEST_SCRAM512_PASSWORD=$scram512_password"
  echo "export KR_TEST_OAUTH_PRINCIPAL=$oauth_principal"
  [[ " ${sec_names[*]} " == *" REAUTH "* ]] && echo "export KR_TEST_REAUTH_MS=$reauth_ms"
  echo "export KR_TEST_PROPS_DIR=$props"
  for k in $(client_kinds); do
    v=$(echo "$k" | tr 'a-z-' 'A-Z_')
    echo "export KR_TEST_PROPS_$v=$props/$k.properties"
    if has_kcat "$k"; then echo "export KR_TEST_KCAT_$v=$props/$k.kcat"; fi
  done
}

cmd_kind() {
  (($# == 2)) || usage
  local k ok=0
  for k in $(client_kinds); do [ "$k" = "$2" ] && ok=1; done
  ((ok)) || die "$name has no client kind '$2' (kinds: $(client_kinds | tr '\n' ' '))"
  case $1 in
    bootstrap) kind_bootstrap "$2" ;;
    props) echo "$props/$2.properties" ;;
    kcat) has_kcat "$2" || die "kcat cannot do client kind $2"; echo "$props/$2.kcat" ;;
    *) usage ;;
  esac
}

# Formats node $1's data dir with cluster id $2; output goes to node$1.log.
format_node() {
  "$here/kafka-tool.sh" kafka.tools.StorageTool format -t "$2" \
    -c "$dir/node$1/server.properties" \
    --add-scram "SCRAM-SHA-256=[name=\"$scram256_user\",password=\"$scram256_password\"]" \
    --add-scram "SCRAM-SHA-512=[name=\"$scram512_user\",password=\"$scram512_password\"]" \
    >>"$dir/node$1.log" 2>&1 9>&-
}

# Starts node $1's broker JVM in its own session, detached from this shell.
launch_node() {
  local i=$1
  # shellcheck disable=SC2086 # the option strings are meant to split into words
  setsid "$java_home/bin/java" $heap -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
    -Dlog4j2.configurationFile="$here/broker-log4j2.xml" \
    -Dlog4j.configuration="file:$here/broker-log4j.properties" ${KR_BROKER_JAVA_OPTS:-} \
    -cp "$libs/*" kafka.Kafka "$dir/node$i/server.properties" \
    </dev/null >>"$dir/node$i.log" 2>&1 9>&- &
  echo $! >"$dir/node$i.pid"
}

show_logs() {
  local i
  for i in "$@"; do
    echo "---- $dir/node$i.log (tail)" >&2
    tail -n 25 "$dir/node$i.log" >&2 || true
  done
}

# Waits until nodes "$@" are running with their client ports open and a metadata request
# shows $want brokers. Returns 1 (with log tails printed) on a dead node or a timeout.
wait_ready() {
  local want=$1; shift
  local deadline=$((SECONDS + timeout_s)) i ok
  while :; do
    ok=1
    for i in "$@"; do
      node_pid "$i" >/dev/null || { echo "cluster: $name node $i exited" >&2; show_logs "$i"; return 1; }
      port_open "${broker_ports[i - 1]}" || ok=0
    done
    if ((ok)) && [ "$(broker_count "$(bootstrap)")" = "$want" ]; then return 0; fi
    if ((SECONDS >= deadline)); then
      echo "cluster: $name not ready after ${timeout_s} s" >&2
      show_logs "$@"
      return 1
    fi
    sleep 0.5
  done
}

# Sends SIGTERM to nodes "$@" at once, waits up to stop_wait_s, then SIGKILLs the rest.
# Returns 1 if a node still lives 10 s after SIGKILL.
stop_nodes() {
  local i pid killed=0 deadline=$((SECONDS + stop_wait_s))
  local -A pids=()
  local -a left
  for i in "$@"; do
    if pid=$(node_pid "$i"); then
      pids[$i]=$pid
      # A test may have frozen the node with SIGSTOP: wake it so SIGTERM can act.
      kill -TERM "$pid" 2>/dev/null || true
      kill -CONT "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/node$i.pid"
  done
  while :; do
    left=()
    for i in "${!pids[@]}"; do is_node_pid "${pids[$i]}" "$i" && left+=("$i"); done
    ((${#left[@]} == 0)) && return 0
    if ((SECONDS >= deadline)); then
      if ((killed)); then
        echo "cluster: $name node(s) ${left[*]} survived SIGKILL" >&2
        return 1
      fi
      for i in "${left[@]}"; do
        echo "cluster: $name node $i (pid ${pids[$i]}) ignored SIGTERM for ${stop_wait_s} s; SIGKILL" >&2
        kill -KILL "${pids[$i]}" 2>/dev/null || true
      done
      killed=1
      deadline=$((SECONDS + 10))
    fi
    sleep 0.2
  done
}

# The Kafka version the cluster's run dir was started with (empty if none).
running_version() { cat "$dir/kafka.version" 2>/dev/null || true; }

cmd_start() {
  local n i id
  n=$(running_count)
  if ((n == nodes)) && [ "$(running_version)" != "$version" ]; then
    echo "cluster: $name runs Kafka $(running_version), $version wanted; restarting it fresh" >&2
    stop_nodes $(seq 1 "$nodes")
    n=0
  fi
  if ((n == nodes)) && [ "$(broker_count "$(bootstrap)")" = "$nodes" ]; then
    echo "cluster: $name already running ($(bootstrap), Kafka $version)"
    return 0
  fi
  if ((n > 0)); then
    echo "cluster: $name partly running ($n of $nodes nodes); restarting it fresh" >&2
    stop_nodes $(seq 1 "$nodes")
  fi
  [ -x "$java_home/bin/java" ] || die "no Java 17 at $java_home"
  command -v kcat >/dev/null || die "kcat not found (scripts/setup.sh installs it)"
  "$here/fetch-kafka.sh"
  local l p
  for ((i = 0; i < nodes; i++)); do
    for p in "${broker_ports[i]}" "${ctrl_ports[i]}"; do
      ! port_open "$p" || die "port $p already in use"
    done
    for l in "${sec_names[@]}"; do
      p=$(sec_port "$l" $((i + 1)))
      ! port_open "$p" || die "port $p ($l) already in use"
    done
  done

  local t0=$SECONDS
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$version" >"$dir/kafka.version"
  id=$("$here/kafka-tool.sh" kafka.tools.StorageTool random-uuid)
  echo "$id" >"$dir/cluster.id"
  "$here/certs.sh" "$certs" || die "certs.sh failed"
  write_client_props
  local -a fpids=()
  for ((i = 1; i <= nodes; i++)); do
    write_config "$i"
    format_node "$i" "$id" & fpids+=($!)
  done
  for ((i = 1; i <= nodes; i++)); do
    wait "${fpids[i - 1]}" || { show_logs "$i"; die "formatting $name node $i failed"; }
  done
  trap 'stop_nodes $(seq 1 "$nodes"); exit 130' INT TERM
  for ((i = 1; i <= nodes; i++)); do launch_node "$i"; done
  if ! wait_ready "$nodes" $(seq 1 "$nodes"); then
    stop_nodes $(seq 1 "$nodes")
    exit 1
  fi
  echo "cluster: $name ready in $((SECONDS - t0)) s: $(bootstrap) (Kafka $version)"
}

cmd_stop() {
  local n
  n=$(running_count)
  stop_nodes $(seq 1 "$nodes")
  echo "cluster: $name stopped ($n node(s) were running)"
}

cmd_status() {
  local i pid n=0
  for ((i = 1; i <= nodes; i++)); do
    if pid=$(node_pid "$i"); then
      n=$((n + 1))
      echo "node $i: running, pid $pid, broker 127.0.0.1:${broker_ports[i - 1]}"
    else
      echo "node $i: not running"
    fi
  done
  ((n > 0)) && echo "metadata: $(broker_count "$(bootstrap)") broker(s) registered"
  ((n == nodes)) && return 0
  ((n == 0)) && return 3
  return 1
}

cmd_env() {
  echo "export KR_TEST_BOOTSTRAP=$(bootstrap)"
  echo "export KR_TEST_CLUSTER_DIR=$dir"
  echo "export KR_TEST_KAFKA_TOOL=$here/kafka-tool.sh"
  echo "export KR_TEST_BROKERS=$nodes"
  echo "export KR_TEST_CLUSTER=$name"
  echo "export KR_TEST_CLUSTER_SH=$here/cluster.sh"
  echo "export KR_KAFKA_VERSION=$version"
  echo "export KR_TEST_VERIFY_TOPIC=$here/verify-topic.sh"
  echo "export KR_TEST_COUNT_SECURE=$here/count-secure.sh"
  cmd_env_secure
}

# Counts partitions of topic $2 with a leader in broker $1's metadata.
led_partitions() {
  timeout 10 kcat -b "$1" -L -t "$2" -m 5 2>/dev/null |
    grep -cE '^ +partition [0-9]+, leader [0-9]+,' || true
}

cmd_create_topic() {
  (($# >= 3)) || usage
  local topic=$1 parts=$2 rf=$3 kv i
  shift 3
  local -a cfg=()
  for kv in "$@"; do cfg+=(--config "$kv"); done
  "$here/kafka-tool.sh" org.apache.kafka.tools.TopicCommand --bootstrap-server "$(bootstrap)" \
    --create --topic "$topic" --partitions "$parts" --replication-factor "$rf" \
    ${cfg[@]+"${cfg[@]}"} >/dev/null
  local deadline=$((SECONDS + 30)) ok
  while :; do
    ok=1
    for ((i = 1; i <= nodes; i++)); do
      node_pid "$i" >/dev/null || continue
      [ "$(led_partitions "127.0.0.1:${broker_ports[i - 1]}" "$topic")" = "$parts" ] || ok=0
    done
    ((ok)) && break
    ((SECONDS < deadline)) || die "topic $topic created but not every broker sees its leaders"
    sleep 0.2
  done
  echo "cluster: topic $topic ($parts partitions, RF $rf) ready on $name"
}

cmd_pid() {
  (($# == 1)) || usage
  check_node "$1"
  node_pid "$1" || die "$name node $1 is not running"
}

cmd_start_node() {
  (($# >= 1)) || usage
  local i t0=$SECONDS
  local -a todo=()
  for i in "$@"; do
    check_node "$i"
    if node_pid "$i" >/dev/null; then echo "cluster: $name node $i already running"; continue; fi
    [ -f "$dir/node$i/data/meta.properties" ] ||
      die "$name node $i was never formatted: start $name first"
    ! port_open "${broker_ports[i - 1]}" || die "port ${broker_ports[i - 1]} already in use"
    todo+=("$i")
  done
  ((${#todo[@]})) || return 0
  for i in "${todo[@]}"; do
    echo "---- start-node $(date -u +%FT%TZ)" >>"$dir/node$i.log"
    launch_node "$i"
  done
  wait_ready "$(running_count)" "${todo[@]}" || { stop_nodes "${todo[@]}"; exit 1; }
  echo "cluster: $name node(s) ${todo[*]} ready in $((SECONDS - t0)) s"
}

cmd_stop_node() {
  (($# == 1)) || usage
  check_node "$1"
  stop_nodes "$1"
  echo "cluster: $name node $1 stopped"
}

(($# >= 2)) || usage
cmd=$1
layout "$2"
shift 2
# The Kafka version: a running (or stopped) cluster keeps the one it was started with;
# `start` takes KR_KAFKA_VERSION or pom.xml's default. Exported for kafka-tool.sh.
if [ "$cmd" = start ] || [ ! -f "$dir/kafka.version" ]; then
  version=${KR_KAFKA_VERSION:-$(KR_KAFKA_VERSION= "$here/fetch-kafka.sh" --dir)}
  version=${version##*/}
else
  version=$(cat "$dir/kafka.version")
fi
export KR_KAFKA_VERSION=$version
libs=$("$here/fetch-kafka.sh" --dir) || exit 2
# Commands that change a cluster take its lock, so that tests starting the same cluster at
# once get one start and "already running". Children that outlive us must not hold fd 9.
case $cmd in
  start | stop | start-node | stop-node)
    mkdir -p "$here/run"
    exec 9>"$here/run/$name.lock"
    flock 9 ;;
esac
case $cmd in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  create-topic) cmd_create_topic "$@" ;;
  pid) cmd_pid "$@" ;;
  start-node) cmd_start_node "$@" ;;
  stop-node) cmd_stop_node "$@" ;;
  bootstrap) cmd_kind bootstrap "$@" ;;
  props) cmd_kind props "$@" ;;
  kcat-props) cmd_kind kcat "$@" ;;
  *) usage ;;
esac
