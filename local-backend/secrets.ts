/**
 * Deployment secrets, generated on first start and kept in the data folder
 * (`secrets.json`), then handed to functions as default deployment variables;
 * `npx convex env set` wins over them.
 */
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { randomBytes } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";

export type Secrets = Record<string, string>;

export async function loadOrCreateSecrets(dataDir: string): Promise<Secrets> {
  const file = path.join(dataDir, "secrets.json");
  if (existsSync(file)) return JSON.parse(await fs.readFile(file, "utf8")) as Secrets;
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), use: "sig", alg: "RS256" };
  const secrets: Secrets = {
    JWT_PRIVATE_KEY: (await exportPKCS8(privateKey)).trimEnd().replace(/\n/g, " "),
    JWKS: JSON.stringify({ keys: [jwk] }),
    SHARE_TOKEN_SECRET: randomBytes(32).toString("base64url"),
    LOCAL_BACKEND_SECRET: randomBytes(32).toString("base64url"),
  };
  await fs.writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** The instance name self-hosted Convex deployments put before the `|` of their admin keys. */
export const SELF_HOSTED_INSTANCE_NAME = "convex-self-hosted";

/**
 * The deployment's admin key, generated on first start into the data folder (`admin_key`, 0600)
 * and kept out of the functions' environment. Convex's self-hosted format, `<instance name>|<hex>`
 * (crates/common/src/types/admin_key.rs `format_admin_key`): a version byte, then 60 random bytes
 * where Convex puts its nonce and sealed payload.
 */
export async function loadOrCreateAdminKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, "admin_key");
  if (existsSync(file)) {
    const stored = (await fs.readFile(file, "utf8")).trim();
    if (/^[^|\s]+\|[0-9a-f]{2,}$/.test(stored)) return stored;
    throw new Error(`The admin key in ${file} is malformed. Delete the file to have a new key generated on the next start.`);
  }
  const key = `${SELF_HOSTED_INSTANCE_NAME}|01${randomBytes(60).toString("hex")}`;
  await fs.writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}
