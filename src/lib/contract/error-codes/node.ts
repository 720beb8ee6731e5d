/** Codes of the node as a whole: its start, its status, the served app config (lib/p2p/kernel/app-config.ts). */
export const NODE_ERRORS = {
  databaseUnavailable: { reason: 'text' },
  /** a call that needs the network came while the node starts */
  stillStarting: {},
  /** a file offer arrived before the transfers were loaded (the sender tries again) */
  transfersStarting: {},
  /** a speed test needs a direct connection */
  speedTestNotDirect: {},
  nodeStartFailed: { reason: 'text' },
  /** one writer per database (p2p/kernel/writer-lock.ts): this browser has no Web Locks, so the node does not start */
  writerLockUnavailable: {},
  /** another node holds the database's writer lock and did not let go */
  writerLockHeld: {},
  /** a newer version of the app runs the node: this one did not start, or stepped down */
  newerVersionRunning: {},
  /** the browser cannot keep the non-extractable key that seals our secrets in IndexedDB (db/keyring.ts): the node does not start */
  keyStoreUnavailable: {},
  /** the node stopped for the worker to start again (a restored copy erased to link instead): the tabs reconnect to the new one */
  restarting: {},
  /** linkInstead: this copy was not restored from a backup while the account runs elsewhere, so it is not erased */
  notRestoredCopy: {},
  /** what a lookup or dial under way ends with when the node stops */
  nodeStopping: {},
  relayUnreachableStatus: { reason: 'text' },
  configTooLarge: {},
  configNotJson: {},
  configNoRelays: {},
  configMaxFileBytes: { max: 'number' },
  configTestRingTimeout: { min: 'number', max: 'number' },
  configHttp: { status: 'number' },
  configIceServers: { max: 'number' },
  configIceUrl: {},
  configIceCredential: {}
} as const
