/**
 * Certificate-chain signing and verification (OMS "certificate" method): a chain made with openssl (root → intermediate
 * → code-signing leaf) signs a model; it verifies against the root, with the intermediate either in the bundle or
 * supplied by the verifier, and fails against another root or with a leaf that is not the signing key's.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, type KeyObject, sign as nodeSign, X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { PublicKey, Signer } from "../../src/core/index.ts";
import { signModel, verifyModel } from "../../src/model/index.ts";

let dir: string;
let openssl = true;
const skip = () => (openssl ? false : "openssl is not installed");

function run(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

function signerOf(privateKey: KeyObject, publicKey: KeyObject): Signer {
  const der = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const pub: PublicKey = {
    type: "ecdsa-p256",
    keyId: "leaf",
    bytes: der,
    verify: () => false,
    toPem: () => pem,
    toJwk: () => ({}),
  };
  return {
    type: "ecdsa-p256",
    keyId: "leaf",
    sign: (data) => new Uint8Array(nodeSign("sha256", data, { key: privateKey, dsaEncoding: "der" })),
    publicKey: () => pub,
  };
}

function ca(name: string, issuer?: string): void {
  run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`);
  if (!issuer) {
    run(
      "req",
      "-x509",
      "-new",
      "-key",
      `${name}.key`,
      "-subj",
      `/CN=${name}`,
      "-days",
      "30",
      "-out",
      `${name}.pem`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign",
    );
    return;
  }
  writeFileSync(join(dir, `${name}.ext`), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n");
  run("req", "-new", "-key", `${name}.key`, "-subj", `/CN=${name}`, "-out", `${name}.csr`);
  run(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${issuer}.pem`,
    "-CAkey",
    `${issuer}.key`,
    "-CAcreateserial",
    "-days",
    "30",
    "-out",
    `${name}.pem`,
    "-extfile",
    `${name}.ext`,
  );
}

const cert = (name: string) => new X509Certificate(readFileSync(join(dir, `${name}.pem`)));

let leafSigner: Signer;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "warden-cert-"));
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
  } catch {
    openssl = false;
    return;
  }
  ca("root");
  ca("other-root");
  ca("int", "root");
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  writeFileSync(join(dir, "leaf.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(join(dir, "leaf.ext"), "keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n");
  run("req", "-new", "-key", "leaf.key", "-subj", "/CN=model-signer", "-out", "leaf.csr");
  run(
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "int.pem",
    "-CAkey",
    "int.key",
    "-CAcreateserial",
    "-days",
    "30",
    "-out",
    "leaf.pem",
    "-extfile",
    "leaf.ext",
  );
  leafSigner = signerOf(privateKey, publicKey);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function model(tag: string): string {
  const m = join(dir, tag);
  mkdirSync(m);
  writeFileSync(join(m, "w.bin"), `weights ${tag}`);
  return m;
}

test("a chain in the bundle verifies against its root only", { skip: skip() }, async () => {
  const m = model("full");
  const r = await signModel({ modelPath: m, signer: leafSigner, certificateChain: [cert("leaf"), cert("int")] });
  assert.equal(r.certificate, "CN=model-signer");
  const bundle = JSON.parse(readFileSync(join(m, "model.sig"), "utf8"));
  assert.equal(bundle.verificationMaterial.x509CertificateChain.certificates.length, 2);
  const ok = await verifyModel({ modelPath: m, roots: [cert("root")] });
  assert.equal(ok.ok, true, ok.failure);
  assert.equal(ok.signer?.subject, "CN=model-signer");
  const bad = await verifyModel({ modelPath: m, roots: [cert("other-root")] });
  assert.equal(bad.ok, false);
  assert.match(bad.failure ?? "", /does not chain to any trusted root/);
});

test("a leaf-only bundle is completed by verifier-supplied intermediates", { skip: skip() }, async () => {
  const m = model("leaf-only");
  await signModel({ modelPath: m, signer: leafSigner, certificateChain: [cert("leaf")] });
  assert.equal((await verifyModel({ modelPath: m, roots: [cert("root")] })).ok, false);
  const ok = await verifyModel({ modelPath: m, roots: [cert("root")], intermediates: [cert("int")] });
  assert.equal(ok.ok, true, ok.failure);
});

test("a certificate for another key is refused at signing", { skip: skip() }, async () => {
  await assert.rejects(
    signModel({ modelPath: model("wrong"), signer: leafSigner, certificateChain: [cert("int")] }),
    /not for the signing key/,
  );
});
