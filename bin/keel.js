#!/usr/bin/env node
// The `keel` command: loads tsx's ESM hooks, then runs the TypeScript CLI in place.
import { register } from 'tsx/esm/api';

register();
await import('../control-plane/cli.ts');
