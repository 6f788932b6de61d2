#!/usr/bin/env node
// Compiled by `npm run build` (run automatically by `npm ci` / `npm install` via "prepare").
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
// Exit explicitly: open keep-alive sockets must not hold the process after a run.
process.stdout.write('', () => process.exit(code));
