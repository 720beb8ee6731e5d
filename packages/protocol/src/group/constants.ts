/**
 * Group chats (docs/protocols.md, "Groups"): the protocol id and every limit
 * a member enforces on what it is sent.
 */

export const GROUP_PROTOCOL = '/parley/group/1.0.0'
/** 1.0.0's exchange with the request, and a reply that carries operations, in session boxes (docs/protocols.md, "Groups in boxes"). */
export const GROUP_PROTOCOL_V2 = '/parley/group/2.0.0'
/** What a node with sessions offers, best first. */
export const GROUP_PROTOCOLS_WITH_SESSIONS = [GROUP_PROTOCOL_V2, GROUP_PROTOCOL] as const

/** Members of one group at once, the owner included. */
export const MAX_MEMBERS = 64
/** Operations one group may hold; a member refuses any beyond (the group must be made anew). */
export const MAX_OPS_PER_GROUP = 4096
/** A signed operation, encoded (the picture is the only large field). */
export const MAX_OP_BYTES = 32 * 1024
/** Operations an operation names as its causal predecessors. */
export const MAX_DEPS = 16
/** A group's name, in UTF-16 code units after trimming. */
export const MAX_GROUP_NAME_CHARS = 64
/** A member's display name as an operation carries it. */
export const MAX_MEMBER_NAME_CHARS = 64
/** Mailbox relays a member names for itself. */
export const MAX_MAILBOXES = 4
/** A multiaddr as text. */
export const MAX_ADDR_CHARS = 512
/** A group picture: a data: URL of a JPEG, PNG or WebP image. */
export const MAX_PICTURE_CHARS = 24 * 1024
/** Operations that wait for a predecessor not seen yet, per group (the oldest goes first). */
export const MAX_PENDING_OPS = 256
/** Clock skew tolerated on an operation's or message's `at`, beyond the receiver's clock. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000

/** Domain separation of the signatures (docs/protocols.md). */
export const OP_SIGN_CONTEXT = 'parley/group/op/v1\n'
export const MESSAGE_SIGN_CONTEXT = 'parley/group/message/v1\n'

export type GroupRole = 'owner' | 'admin' | 'member'
export const GROUP_ROLES: readonly GroupRole[] = ['owner', 'admin', 'member']
