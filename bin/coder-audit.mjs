#!/usr/bin/env node
// Thin launcher: registers the TypeScript loader, then runs the CLI written in TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./coder-audit.ts');
