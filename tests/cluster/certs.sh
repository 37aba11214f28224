#!/usr/bin/env bash
# Makes the TLS material for the test clusters' secure listeners with openssl, into DIR
# (cluster.sh uses run/<cluster>/certs). EC P-256 keys (made in milliseconds), PEM files,
# keys in unencrypted PKCS#8 unless named *-enc.key. Certificates last 7 days.
#
#   ca.pem, ca.key               the test CA; brokers and clients trust it
#   broker.pem, broker.key       broker certificate, SAN IP:127.0.0.1, DNS:localhost
#   broker-keystore.pem          broker.key + broker.pem + ca.pem (Kafka PEM keystore)
#   badhost.pem, badhost.key     signed by the CA but SAN DNS:wrong.invalid, IP:192.0.2.1
#                                (no match for 127.0.0.1/localhost: hostname-mismatch tests)
#   badhost-keystore.pem         its Kafka PEM keystore
#   client.pem, client.key       client certificate (CN=kr-client) for mutual TLS
#   client-enc.key               client.key encrypted (PKCS#8, AES-256-CBC) with the
#                                password in client-key.password
#   client-keystore.pem          client.key + client.pem (Kafka PEM keystore, for Java tools)
#   untrusted-ca.pem, .key       a second CA nobody trusts
#   untrusted-client.pem, .key   a client certificate signed by the untrusted CA
#
# usage: certs.sh DIR        exit 0 on success, 1 if openssl fails, 2 on bad usage.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
command -v openssl >/dev/null || { echo "certs: openssl not found" >&2; exit 1; }
out=$1
mkdir -p "$out"
cd "$out"
days=7
key_password=kr-key-secret

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca NAME CN: a self-signed CA certificate NAME.pem with key NAME.key.
ca() {
  newkey "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days $days -subj "/O=kring tests/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out "$1.pem" 2>/dev/null
}

# leaf NAME CN CA EXT...: certificate NAME.pem for key NAME.key, signed by CA.pem/CA.key,
# with the given x509v3 extension lines.
leaf() {
  local name=$1 cn=$2 signer=$3
  shift 3
  newkey "$name.key"
  openssl req -new -key "$name.key" -subj "/O=kring tests/CN=$cn" -out "$name.csr" 2>/dev/null
  printf '%s\n' "$@" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$signer.pem" -CAkey "$signer.key" -CAcreateserial \
    -sha256 -days $days -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

server_ext=(basicConstraints=CA:FALSE keyUsage=critical,digitalSignature,keyEncipherment
  extendedKeyUsage=serverAuth)
client_ext=(basicConstraints=CA:FALSE keyUsage=critical,digitalSignature,keyEncipherment
  extendedKeyUsage=clientAuth)

ca ca "kring test CA"
ca untrusted-ca "kring untrusted CA"
leaf broker localhost ca "${server_ext[@]}" "subjectAltName=IP:127.0.0.1,DNS:localhost"
leaf badhost wrong.invalid ca "${server_ext[@]}" "subjectAltName=DNS:wrong.invalid,IP:192.0.2.1"
leaf client kr-client ca "${client_ext[@]}"
leaf untrusted-client kr-untrusted-client untrusted-ca "${client_ext[@]}"

echo "$key_password" >client-key.password
openssl pkcs8 -topk8 -v2 aes-256-cbc -in client.key -out client-enc.key \
  -passout "pass:$key_password"
cat broker.key broker.pem ca.pem >broker-keystore.pem
cat badhost.key badhost.pem ca.pem >badhost-keystore.pem
cat client.key client.pem >client-keystore.pem
rm -f ./*.srl
chmod 600 ./*.key
openssl verify -CAfile ca.pem broker.pem badhost.pem client.pem >/dev/null
