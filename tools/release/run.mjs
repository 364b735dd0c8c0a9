#!/usr/bin/env node
// Launcher for the TypeScript release CLI (root script `pnpm release`): registers tsx, which is a
// devDependency of tools and so resolves from here, not from the repository root.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
