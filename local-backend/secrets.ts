/**
 * Deployment secrets, generated on first start and kept in the data folder
 * (`secrets.json`), then handed to functions as environment variables. `.env.local`
 * values win over generated ones.
 */
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { randomBytes } from "node:crypto";
import { existsSync, promises as fs, readFileSync } from "node:fs";
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

/** KEY=value lines of a dotenv file (no interpolation). */
export function readDotEnv(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out[m[1]] = value;
  }
  return out;
}
