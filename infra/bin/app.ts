#!/usr/bin/env node
/**
 * CDK entry (infra/cdk.json: `npx tsx bin/app.ts`). `npm run infra:synth` writes the templates to
 * infra/cdk.out/; `npm run infra:deploy` deploys them with the account's credentials.
 */
import { createApp } from "../app";

const { app } = createApp();
app.synth();
