#!/usr/bin/env node
// The installed `peerkeeper` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';
register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
