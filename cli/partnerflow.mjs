#!/usr/bin/env node
// The `partnerflow` command (package.json "bin"): runs the TypeScript CLI through tsx, like npm start.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('./main.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
