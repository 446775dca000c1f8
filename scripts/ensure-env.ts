/**
 * `npx tsx scripts/ensure-env.ts`: writes development secrets and a development signing key
 * to .env.local when missing (lib/config/dev-setup.ts). `npm start` does the same itself.
 */
import { ensureLocalEnv } from "../lib/config/dev-setup";

const { added } = ensureLocalEnv();
console.log(added.length ? `Wrote ${added.join(", ")} to .env.local` : ".env.local already complete");
