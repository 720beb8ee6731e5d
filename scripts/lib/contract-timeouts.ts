/**
 * The tab's RPC client needs the node contract's types and its per-method
 * timeouts, never its params schemas (the worker checks params at its edge).
 * This Vite plugin derives the timeouts table from the contract at build time
 * as `virtual:parley/contract-timeouts`, so the tab's bundle carries a small
 * object instead of the schemas and their checker.
 */
import { timeoutsOf } from '../../src/lib/contract/define.ts'
import { nodeContract } from '../../src/lib/contract/index.ts'
import type { Plugin } from 'vite'

const ID = 'virtual:parley/contract-timeouts'
const RESOLVED = `\0${ID}`

export function contractTimeouts (): Plugin {
  return {
    name: 'parley:contract-timeouts',
    resolveId: (id) => id === ID ? RESOLVED : undefined,
    load: (id) => id === RESOLVED ? `export const CONTRACT_TIMEOUTS = ${JSON.stringify(timeoutsOf(nodeContract))}\n` : undefined
  }
}
