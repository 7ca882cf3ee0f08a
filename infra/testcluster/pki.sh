# infra/testcluster/pki.sh — certificates and kubeconfigs of the test control plane (sourced).
#
# Everything is made with openssl into "$PKI" (a folder of the state dir), valid for 30 days:
# one CA (also the cluster signer), EC P-256 keys for serving and client certificates, and an
# RSA key pair that signs service-account tokens. Nothing here is ever committed.

pki_ca() {
  cat >"$PKI/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
x509_extensions = v3
prompt = no
[dn]
CN = wonderland-testcluster-ca
[v3]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
EOF
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -config "$PKI/ca.cnf" -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
}

# pki_cert NAME SUBJECT USAGE [SANS]: NAME.key and NAME.crt signed by the CA.
# USAGE is serverAuth or clientAuth; SANS like "IP:127.0.0.1,DNS:localhost".
pki_cert() {
  local name="$1" subject="$2" usage="$3" sans="${4:-}"
  {
    echo "basicConstraints = critical,CA:FALSE"
    echo "keyUsage = critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage = $usage"
    echo "subjectKeyIdentifier = hash"
    echo "authorityKeyIdentifier = keyid"
    [[ -n "$sans" ]] && echo "subjectAltName = $sans"
  } >"$PKI/$name.ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "$subject" -keyout "$PKI/$name.key" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -CAcreateserial -days 30 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

pki_service_account_key() {
  openssl genrsa -out "$PKI/service-account.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/service-account.key" -pubout -out "$PKI/service-account.pub" 2>/dev/null
}

# pki_all: every certificate the control plane, the node agent and the admin need.
pki_all() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  pki_ca
  pki_service_account_key
  pki_cert apiserver "/CN=kube-apiserver" serverAuth \
    "IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  pki_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  pki_cert admin "/O=system:masters/CN=wonderland-admin" clientAuth
  pki_cert controller-manager "/CN=system:kube-controller-manager" clientAuth
  pki_cert scheduler "/CN=system:kube-scheduler" clientAuth
  pki_cert node "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  pki_cert kubelet "/CN=$NODE_NAME" serverAuth "IP:127.0.0.1,DNS:localhost,DNS:$NODE_NAME"
}

# write_kubeconfig FILE USER CERT KEY: a self-contained kubeconfig with a client certificate.
write_kubeconfig() {
  local file="$1" user="$2" cert="$3" key="$4"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: wonderland-testcluster
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$cert")
    client-key-data: $(base64 -w0 "$key")
contexts:
- name: $user
  context:
    cluster: wonderland-testcluster
    user: $user
current-context: $user
EOF
  chmod 600 "$file"
}
