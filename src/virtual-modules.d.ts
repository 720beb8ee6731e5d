/** Modules that scripts/lib/contract-timeouts.ts makes at build time. */
declare module 'virtual:parley/contract-timeouts' {
  import type { ContractTimeouts } from './lib/contract/define.ts'
  import type { NodeContract } from './lib/contract/index.ts'
  /** the node contract's per-method timeouts (lib/contract), all the tab's client needs of it at run time */
  export const CONTRACT_TIMEOUTS: ContractTimeouts<NodeContract>
}

/** This build's time, ms since epoch (vite.config.ts `define`): the larger build is the newer. */
declare const __PARLEY_BUILD__: number
