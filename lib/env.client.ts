import { z } from "zod";

/** Values that may reach the browser. Never put a secret here. */
const clientSchema = z.object({
  NEXT_PUBLIC_APP_NAME: z.string().default("Lumen Academy"),
});

export const clientEnv = clientSchema.parse({
  NEXT_PUBLIC_APP_NAME: process.env.NEXT_PUBLIC_APP_NAME,
});
