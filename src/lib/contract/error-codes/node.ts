/** Codes of the node as a whole: its start, its status, the served app config (lib/node/kernel/app-config.ts). */
export const NODE_ERRORS = {
  databaseUnavailable: { reason: 'text' },
  nodeStartFailed: { reason: 'text' },
  relayUnreachableStatus: { reason: 'text' },
  configTooLarge: {},
  configNotJson: {},
  configNoRelays: {},
  configMaxFileBytes: { max: 'number' },
  configHttp: { status: 'number' },
  configIceServers: { max: 'number' },
  configIceUrl: {},
  configIceCredential: {}
} as const
