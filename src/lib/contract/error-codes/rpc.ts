/** Codes of the tab ⇄ worker RPC layer itself (lib/rpc), and of errors nobody coded. */
export const RPC_ERRORS = {
  /** anything thrown that is not a coded error (a bug, or an error of a library): its message */
  unexpected: { message: 'text' },
  /** a call's params do not match the contract: which method, and what is wrong (English, for developers) */
  invalidParams: { method: 'text', problem: 'text' },
  /** a call got no result within its timeout */
  rpcTimeout: {},
  /** the port was closed (client closed, worker gone, this tab evicted) */
  rpcClosed: {},
  /** the worker has no handler for the method */
  rpcUnknownMethod: { method: 'text' },
  /** a message on a port did not match the wire format */
  rpcInvalidMessage: {},
  /** too many calls are pending (client) or in flight (server) */
  rpcTooManyCalls: { pending: 'count' },
  /** dedicated-Worker fallback: a result too large to relay to a tab over the BroadcastChannel */
  rpcResultTooLarge: { max: 'bytes' },
  /** dedicated-Worker fallback: no tab answered as the node's owner */
  noNodeOwner: { seconds: 'number' },
  /** dedicated-Worker fallback: the owner went away while a call may have reached it */
  nodeOwnerLost: {}
} as const
