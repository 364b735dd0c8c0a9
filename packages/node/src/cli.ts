#!/usr/bin/env node
// The `blurgate` command line (yargs); filled in by the foundation issue.
export {};
