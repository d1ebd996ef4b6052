#!/usr/bin/env node
import { chooseEntry } from './entry.js';

const cli = new URL('..', import.meta.url);
const { main } = await import(new URL(chooseEntry(cli), cli).href);

process.exitCode = await main(process.argv.slice(2));
