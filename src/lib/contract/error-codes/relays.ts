/**
 * Codes of relay addresses and the relay list (lib/db/relays.ts), of the
 * served app config's relays (lib/p2p/kernel/app-config.ts) and of the user's TURN
 * servers (lib/db/turn-servers.ts). A refused address names its problem as a
 * nested code ('code' kind) whose own params ride along in the same set.
 */
export const RELAY_ERRORS = {
  /** `address` cannot be used: `problem` is one of the relayProblem* codes */
  relayAddressInvalid: { address: 'text', problem: 'code' },
  /** the served /config.json lists a relay `address` with `problem` */
  relayAddressInConfig: { address: 'text', problem: 'code' },
  relayProblemTooLong: { max: 'number' },
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
  relayProblemCerthashes: { count: 'number', name: 'text' },
  /** what a browser can dial (the hint of several problems) */
  relayDialableHint: {},
  relayDuplicate: {},
  relayDefaultDuplicate: {},
  relayDefaultDisabled: {},
  tooManyRelays: { max: 'number' },
  relayUnknown: {},
  /** the relay was removed again before it could be shown */
  relayGoneAgain: {},
  /** a test of a relay that is not in the list (any more) */
  relayNotListed: {},
  relayTestDialTimeout: { seconds: 'number' },
  relayTestAnswerTimeout: { seconds: 'number' },
  relayTestWrongPeer: { peerId: 'text' },
  relayTestDialFailed: { reason: 'text' },
  relayTestClosed: { reason: 'text' },
  relayTestNotARelay: {},
  relayTestBusy: {}
} as const

export const TURN_ERRORS = {
  turnNotObject: {},
  turnExactFields: {},
  turnTooMany: { max: 'number' },
  turnDuplicate: {},
  turnUnknown: {},
  turnUrlNotText: {},
  turnUrlEmpty: {},
  turnUrlTooLong: { max: 'number' },
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
  turnBadPort: {},
  turnUsernameNotText: {},
  turnCredentialNotText: {},
  turnUsernameEmpty: {},
  turnCredentialEmpty: {},
  turnUsernameTooLong: { max: 'number' },
  turnCredentialTooLong: { max: 'number' },
  turnUsernameControl: {},
  turnCredentialControl: {}
} as const
