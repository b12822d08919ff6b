#!/usr/bin/env node
// The command's entry. It is committed, not built, so that npm links it on the very first install of a
// clone: npm links bins before `prepare` builds dist/, and skips a bin whose file is not there yet.
import { launch } from '../dist/launch.js';

await launch(process.argv.slice(2));
