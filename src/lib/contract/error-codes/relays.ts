/**
 * Codes of relay addresses and the relay list (lib/db/relays.ts), of the
 * served app config's relays (lib/p2p/app-config.ts) and of the user's TURN
 * servers (lib/db/turn-servers.ts). A refused address names its problem as a
 * nested code ('code' kind) whose own params ride along in the same set.
 */
export const RELAY_ERRORS = {
  /** `address` cannot be used: `problem` is one of the relayProblem* codes */
  relayAddressInvalid: { address: 'text', problem: 'code' },
  /** the served /config.json lists a relay `address` with `problem` */
  relayAddressInConfig: { address: 'text', problem: 'code' },
  relayProblemTooLong: { max: 'count' },
  relayProblemNotFull: {},
  relayProblemCircuit: {},
  relayProblemNoHost: {},
  relayProblemBadHost: { host: 'text', protocol: 'text' },
  relayProblemNoTransport: { hint: 'code' },
  relayProblemTransport: { transport: 'text', hint: 'code' },
  relayProblemPort: { transport: 'text' },
  relayProblemPlainTcp: { hint: 'code' },
  relayProblemTcpPath: { path: 'text', hint: 'code' },
  relayProblemPlainUdp: { hint: 'code' },
  relayProblemPlainQuic: { hint: 'code' },
  relayProblemUdpPath: { path: 'text', hint: 'code' },
  relayProblemNoCerthash: { name: 'text' },
  relayProblemBadCerthash: { name: 'text', kind: 'text' },
  relayProblemCerthashes: { count: 'count', name: 'text' },
  /** what a browser can dial (the hint of several problems) */
  relayDialableHint: {},
  relayDuplicate: {},
  relayDefaultDuplicate: {},
  relayDefaultDisabled: {},
  tooManyRelays: { max: 'count' },
  relayUnknown: {}
} as const

export const TURN_ERRORS = {
  /** a TURN server the user typed: each field's problem (a turn* code) when it has one */
  turnServerInvalid: { url: 'code', username: 'code', credential: 'code' },
  turnTooMany: { max: 'count' },
  turnDuplicate: {},
  turnUnknown: {},
  turnUrlNotText: {},
  turnUrlEmpty: {},
  turnUrlTooLong: { max: 'count' },
  turnUrlSpaces: {},
  turnUrlStun: {},
  turnUrlWebScheme: {},
  turnUrlScheme: {},
  turnUrlSlashes: {},
  turnUrlQuery: {},
  turnUrlPath: {},
  turnIpv6Unclosed: {},
  turnIpv6After: {},
  turnIpv6Invalid: {},
  turnIpv6Brackets: {},
  turnNoHost: {},
  turnBadHost: { host: 'text' },
  turnBadPort: {}
} as const
