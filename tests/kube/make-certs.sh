#!/bin/sh
# SPDX-License-Identifier: MIT
# A throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate, for
# the API test server. Usage: make-certs.sh DIR (idempotent).
set -eu
d=$1
[ -f "$d/name-only.crt" ] && exit 0
mkdir -p "$d"
cd "$d"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=nodeprobe-test-ca" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
    -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
    -days 3650 -extfile ext.cnf 2>/dev/null
# A server certificate for a name only (no IP): verifies only through tls-server-name.
openssl req -newkey rsa:2048 -nodes -keyout name-only.key -out name-only.csr \
    -subj "/CN=api.nodeprobe.test" 2>/dev/null
printf 'subjectAltName=DNS:api.nodeprobe.test\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl x509 -req -in name-only.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out name-only.crt \
    -days 3650 -extfile ext.cnf 2>/dev/null
# A second CA the server is not signed by (TLS verification must fail with it).
openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 3650 \
    -subj "/CN=someone-else" 2>/dev/null
rm -f server.csr name-only.csr ext.cnf
