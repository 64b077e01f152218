#!/usr/bin/env python3
"""An independent implementation of cosign's image-signature format, for
bpfman's signing tests: it makes a Fulcio-like CA and a Rekor-like log key
(with the trusted_root.json that names them), signs images key-based or
keyless as cosign does, pushes the sha256-<hex>.sig manifest to a registry
over plain HTTP, and verifies key-based signatures written by others.
Python's `cryptography` does the crypto; nothing here is bpfman's code.

  cosign-like.py ca DIR
  cosign-like.py sign-keyless --ca DIR --registry H --repo R --digest D --subject S --issuer I [--fault F]
  cosign-like.py sign-key --key PEM --registry H --repo R --digest D
  cosign-like.py verify-key --pub PEM --registry H --repo R --digest D
"""
import argparse, base64, datetime, hashlib, json, os, sys, urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

NOW = datetime.datetime.now(datetime.timezone.utc)
ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")


# --- registry (OCI distribution, plain HTTP) ---------------------------------

def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def push_blob(registry, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    status, headers, _ = http("POST", f"http://{registry}/v2/{repo}/blobs/uploads/")
    assert status == 202, f"upload start: {status}"
    loc = headers["Location"]
    if loc.startswith("/"):
        loc = f"http://{registry}{loc}"
    loc += ("&" if "?" in loc else "?") + "digest=" + digest
    status, _, body = http("PUT", loc, data, {"Content-Type": "application/octet-stream"})
    assert status == 201, f"upload: {status} {body}"
    return {"digest": digest, "size": len(data)}


def push_manifest(registry, repo, tag, manifest, media_type="application/vnd.oci.image.manifest.v1+json"):
    body = json.dumps(manifest).encode()
    status, _, text = http("PUT", f"http://{registry}/v2/{repo}/manifests/{tag}", body, {"Content-Type": media_type})
    assert status == 201, f"manifest: {status} {text}"


def sig_tag(digest):
    return digest.replace(":", "-") + ".sig"


def push_signature(registry, repo, digest, layers):
    """layers: [(payload bytes, annotations)] -> the .sig manifest, as cosign writes it."""
    descs = []
    for payload, annotations in layers:
        d = push_blob(registry, repo, payload)
        descs.append({"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", **d, "annotations": annotations})
    config = json.dumps({"architecture": "", "os": "", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in descs]}}).encode()
    c = push_blob(registry, repo, config)
    push_manifest(registry, repo, sig_tag(digest), {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **c}, "layers": descs})


def payload_for(registry, repo, digest):
    return json.dumps({"critical": {"identity": {"docker-reference": f"{registry}/{repo}"},
                                    "image": {"docker-manifest-digest": digest},
                                    "type": "cosign container image signature"},
                       "optional": None}, separators=(",", ":")).encode()


def sign_bytes(key, data):
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    return key.sign(data, ec.ECDSA(hashes.SHA384() if key.curve.name == "secp384r1" else hashes.SHA256()))


def verify_bytes(pub, sig, data):
    try:
        if isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(sig, data)
        else:
            pub.verify(sig, data, ec.ECDSA(hashes.SHA384() if pub.curve.name == "secp384r1" else hashes.SHA256()))
        return True
    except Exception:
        return False


# --- a Fulcio-like CA and a Rekor-like log -----------------------------------

def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def save_key(path, key):
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def ca_cert(subject_cn, key, issuer_cert=None, issuer_key=None, path_length=1, days=3650):
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "bpfman-test"), x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    b = (x509.CertificateBuilder().subject_name(name)
         .issuer_name(issuer_cert.subject if issuer_cert else name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
         .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True))
    if issuer_cert:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
    return b.sign(issuer_key or key, hashes.SHA384())


def make_ca(d):
    os.makedirs(d, exist_ok=True)
    for prefix in ("", "evil-"):
        rk = ec.generate_private_key(ec.SECP384R1())
        root = ca_cert(prefix + "fulcio-like root", rk)
        ik = ec.generate_private_key(ec.SECP384R1())
        inter = ca_cert(prefix + "fulcio-like intermediate", ik, root, rk, path_length=0)
        for name, cert, key in (("root", root, rk), ("inter", inter, ik)):
            open(f"{d}/{prefix}fulcio-{name}.pem", "wb").write(pem(cert))
            save_key(f"{d}/{prefix}fulcio-{name}.key", key)
        lk = ec.generate_private_key(ec.SECP256R1())
        save_key(f"{d}/{prefix}rekor.key", lk)
    lk = load_key(f"{d}/rekor.key")
    spki = lk.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    der = lambda p: base64.b64encode(x509.load_pem_x509_certificate(open(p, "rb").read()).public_bytes(serialization.Encoding.DER)).decode()
    root = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{"baseUrl": "https://rekor.test", "hashAlgorithm": "SHA2_256",
                   "publicKey": {"rawBytes": base64.b64encode(spki).decode(), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                 "validFor": {"start": "2020-01-01T00:00:00Z"}},
                   "logId": {"keyId": base64.b64encode(hashlib.sha256(spki).digest()).decode()}}],
        "certificateAuthorities": [{"subject": {"organization": "bpfman-test", "commonName": "fulcio-like"},
                                    "uri": "https://fulcio.test",
                                    "certChain": {"certificates": [{"rawBytes": der(f"{d}/fulcio-inter.pem")},
                                                                   {"rawBytes": der(f"{d}/fulcio-root.pem")}]},
                                    "validFor": {"start": "2020-01-01T00:00:00Z"}}],
        "ctlogs": [], "timestampAuthorities": []}
    json.dump(root, open(f"{d}/trusted_root.json", "w"), indent=2)


def der_utf8(s):
    b = s.encode()
    n = len(b)
    length = bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255])
    return b"\x0c" + length + b


def leaf_cert(subject, issuer, inter, inter_key, key, not_before, not_after):
    san = x509.RFC822Name(subject) if "@" in subject and "://" not in subject else x509.UniformResourceIdentifier(subject)
    return (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(inter.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .add_extension(x509.SubjectAlternativeName([san]), critical=True)
            .add_extension(x509.UnrecognizedExtension(ISSUER_V1, issuer.encode()), critical=False)
            .add_extension(x509.UnrecognizedExtension(ISSUER_V2, der_utf8(issuer)), critical=False)
            .sign(inter_key, hashes.SHA384()))


def sign_keyless(a):
    d = a.ca
    evil = a.fault == "untrusted-root"
    inter = x509.load_pem_x509_certificate(open(f"{d}/{'evil-' if evil else ''}fulcio-inter.pem", "rb").read())
    inter_key = load_key(f"{d}/{'evil-' if evil else ''}fulcio-inter.key")
    root = open(f"{d}/{'evil-' if evil else ''}fulcio-root.pem", "rb").read()
    # Fulcio's certificates live ten minutes; "expired": the log time falls after them.
    start = NOW - datetime.timedelta(minutes=1)
    if a.fault == "expired":
        start = NOW - datetime.timedelta(hours=2)
    digest = "sha256:" + "0" * 64 if a.fault == "other-digest" else a.digest
    key = ec.generate_private_key(ec.SECP256R1())
    cert = leaf_cert(a.subject, a.issuer, inter, inter_key, key, start, start + datetime.timedelta(minutes=10))
    payload = payload_for(a.registry, a.repo, digest)
    sig = sign_bytes(key, payload)
    logged = payload  # what the log recorded; "tampered-payload" changes the layer after that
    cert_pem = pem(cert)
    body = base64.b64encode(json.dumps({
        "apiVersion": "0.0.1", "kind": "hashedrekord",
        "spec": {"data": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(logged).hexdigest()}},
                 "signature": {"content": base64.b64encode(sig).decode(),
                               "publicKey": {"content": base64.b64encode(cert_pem).decode()}}}}).encode()).decode()
    if a.fault == "tampered-payload":
        payload = payload.replace(b'"optional":null', b'"optional":{"x":"y"}')
    log_key = load_key(f"{d}/rekor.key")
    spki = log_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    rekor_payload = {"body": body, "integratedTime": int(NOW.timestamp()), "logIndex": 7,
                     "logID": hashlib.sha256(spki).hexdigest()}
    canonical = json.dumps(rekor_payload, sort_keys=True, separators=(",", ":")).encode()
    signer = load_key(f"{d}/evil-rekor.key") if a.fault == "forged-set" else log_key
    set_ = sign_bytes(signer, canonical)
    annotations = {"dev.cosignproject.cosign/signature": base64.b64encode(sig).decode(),
                   "dev.sigstore.cosign/certificate": cert_pem.decode(),
                   "dev.sigstore.cosign/chain": (pem(inter) + root).decode()}
    if a.fault != "no-bundle":
        annotations["dev.sigstore.cosign/bundle"] = json.dumps({"SignedEntryTimestamp": base64.b64encode(set_).decode(),
                                                                "Payload": rekor_payload})
    if a.fault == "malformed":
        # An image index where the signature manifest should be.
        push_manifest(a.registry, a.repo, sig_tag(a.digest),
                      {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []},
                      "application/vnd.oci.image.index.v1+json")
        return
    push_signature(a.registry, a.repo, a.digest, [(payload, annotations)])


def sign_key(a):
    key = load_key(a.key)
    payload = payload_for(a.registry, a.repo, a.digest)
    push_signature(a.registry, a.repo, a.digest,
                   [(payload, {"dev.cosignproject.cosign/signature": base64.b64encode(sign_bytes(key, payload)).decode()})])


def verify_key(a):
    pub = serialization.load_pem_public_key(open(a.pub, "rb").read())
    status, _, body = http("GET", f"http://{a.registry}/v2/{a.repo}/manifests/{sig_tag(a.digest)}",
                           headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    if status != 200:
        print(f"no signature manifest ({status})"); return 1
    for layer in json.loads(body)["layers"]:
        st, _, payload = http("GET", f"http://{a.registry}/v2/{a.repo}/blobs/{layer['digest']}")
        assert st == 200 and "sha256:" + hashlib.sha256(payload).hexdigest() == layer["digest"]
        doc = json.loads(payload)
        if doc["critical"]["image"]["docker-manifest-digest"] != a.digest:
            continue
        if doc["critical"]["type"] != "cosign container image signature":
            continue
        sig = base64.b64decode(layer.get("annotations", {}).get("dev.cosignproject.cosign/signature", ""))
        if verify_bytes(pub, sig, payload):
            print("verified"); return 0
    print("no signature verifies"); return 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("ca"); c.add_argument("dir")
    for name in ("sign-keyless", "sign-key", "verify-key"):
        s = sub.add_parser(name)
        s.add_argument("--registry", required=True); s.add_argument("--repo", required=True); s.add_argument("--digest", required=True)
        if name == "sign-keyless":
            s.add_argument("--ca", required=True); s.add_argument("--subject", required=True); s.add_argument("--issuer", required=True)
            s.add_argument("--fault", default="")
        elif name == "sign-key":
            s.add_argument("--key", required=True)
        else:
            s.add_argument("--pub", required=True)
    a = p.parse_args()
    if a.cmd == "ca":
        make_ca(a.dir); return 0
    return {"sign-keyless": sign_keyless, "sign-key": sign_key, "verify-key": verify_key}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
