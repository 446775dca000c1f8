/**
 * Edits the JSON value of the CloudFront private-key secret ({keyName: private key PEM}) on a
 * pipe, so private keys go from a file to Secrets Manager without being pasted anywhere:
 *
 *   aws secretsmanager get-secret-value --secret-id <name> --query SecretString --output text \
 *     | npm run -s infra:key-secret -- add <keyName> <private.pem> \
 *     | aws secretsmanager put-secret-value --secret-id <name> --secret-string file:///dev/stdin
 *
 * Commands: `add <keyName> <private.pem>` (checks the key is an unencrypted ECDSA P-256 or
 * RSA-2048 key and, when infra/keys/<keyName>.pub.pem exists, that it is that key's private
 * half), `remove <keyName>`, `list` (key names only, on stderr). Reads the current JSON from
 * stdin (nothing or an empty string = no keys yet) and writes the new JSON to stdout.
 */
import fs from "node:fs";
import path from "node:path";
import { findRepoRoot } from "../app";
import { addKey, type KeySecret, parseKeySecret, removeKey } from "../key-secret";
import { PUBLIC_KEY_SUFFIX } from "../keys";

function main(argv: string[]): void {
  const [command, name, file] = argv;
  const input = process.stdin.isTTY ? "" : fs.readFileSync(0, "utf8");
  const secret = parseKeySecret(input);
  let next: KeySecret;
  if (command === "add" && name && file) {
    const pubFile = path.join(findRepoRoot(), "infra", "keys", `${name}${PUBLIC_KEY_SUFFIX}`);
    next = addKey(secret, name, fs.readFileSync(file, "utf8"), fs.existsSync(pubFile) ? fs.readFileSync(pubFile, "utf8") : undefined);
  } else if (command === "remove" && name) {
    next = removeKey(secret, name);
  } else if (command === "list") {
    process.stderr.write(`${Object.keys(secret).join("\n") || "(no keys)"}\n`);
    return;
  } else {
    throw new Error("usage: key-secret add <keyName> <private.pem> | remove <keyName> | list   (current JSON on stdin)");
  }
  process.stderr.write(`keys in the secret: ${Object.keys(next).join(", ") || "(none)"}\n`);
  process.stdout.write(JSON.stringify(next));
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`key-secret: ${(err as Error).message}\n`);
  process.exit(1);
}
