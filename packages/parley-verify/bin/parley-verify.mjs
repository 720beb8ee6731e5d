#!/usr/bin/env node
// `npx parley-verify <url>`: runs the repository's scripts/parley-verify.ts (TypeScript, through
// tsx, a dev dependency of the repository) with the arguments given.
import { register } from 'tsx/esm/api'

register()
await import('../../../scripts/parley-verify.ts')
