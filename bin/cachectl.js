#!/usr/bin/env node
// Launcher: all logic lives in dist/cli/main.js (built by `npm run build`, run on `npm ci` via `prepare`).
import { run } from '../dist/cli/main.js';

process.exitCode = await run(process.argv);
