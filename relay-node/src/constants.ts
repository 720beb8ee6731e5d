/**
 * relay-node defaults. js-libp2p's own relay defaults (15 reservations,
 * 128 KiB and 2 minutes per relayed connection) are meant for helper relays,
 * not for a node whose only job is to relay for browsers.
 */

const SECOND_MS = 1000
const MINUTE_MS = 60 * SECOND_MS
const MIB = 1024 * 1024

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 9090
/** UDP port of the WebRTC-Direct listener (`off` disables it). */
export const DEFAULT_WEBRTC_DIRECT_PORT = 9091
export const DEFAULT_DATA_DIR = '.relay-data'

/**
 * Total reservation slots. Each browser holds one per relay it uses. Measured on a 2-core
 * machine (relay-node/README.md, "Capacity"): 10,000 held with the relay's RSS under 1 GB.
 */
export const DEFAULT_MAX_RESERVATIONS = 10_000
/**
 * Reservations one IP address may hold at once. Many people behind one NAT
 * (an office, a campus) share an address, so this is generous; it stops one
 * host from taking every slot.
 */
export const DEFAULT_MAX_RESERVATIONS_PER_IP = 32

/** How long a reservation lasts before the client must refresh it (clients refresh ahead of expiry). */
export const DEFAULT_RESERVATION_TTL_MS = 60 * MINUTE_MS

/**
 * Upper bound on the life of one relayed connection. Chat, receipts, contact
 * requests and WebRTC signalling are small; a connection that hits the limit is
 * closed and the peers simply dial again. Enforced by js-libp2p in
 * milliseconds (it reports the same number to clients in a field they read as
 * seconds).
 */
export const DEFAULT_CIRCUIT_DURATION_LIMIT_MS = 10 * MINUTE_MS

/**
 * Upper bound on bytes per relayed connection, both directions counted
 * together (js-libp2p sums them). Clients see it in the circuit's limit and
 * send a file over a relayed connection only when it fits (docs/protocols.md,
 * "Files": relayed connections); bigger files wait for a direct path. 32 MiB
 * leaves room for long chats, signalling and small files while bounding what
 * one pair can cost the operator.
 */
export const DEFAULT_CIRCUIT_DATA_LIMIT_BYTES = 32 * MIB

/**
 * Connections of all kinds: every reservation holder has one (a relayed connection is two
 * streams on those, not a connection of its own), plus room for peers that only dial through
 * the relay, other relay-nodes and a browser switching transports. Above the reservation cap,
 * or the relay could never fill it. Each takes a file descriptor: raise `ulimit -n` to match.
 */
export const DEFAULT_MAX_CONNECTIONS = 12_288

/**
 * Connections one IP address may hold open. Sized for a NAT with many people
 * behind it; one browser holds one or two (WebSocket, WebRTC-Direct).
 */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 256

/** Connections one PeerID may hold open (a browser needs one, two while it switches transports). */
export const DEFAULT_MAX_CONNECTIONS_PER_PEER = 4

/** New inbound connections per second from one IP address (a token bucket: bursts up to twice this). */
export const DEFAULT_CONNECTION_RATE_PER_IP = 20

/** Reservation requests per minute from one IP address (bursts up to this many at once). */
export const DEFAULT_RESERVATION_RATE_PER_IP = 120

/** Inbound connections still in their handshakes at once (slowloris bound). */
export const DEFAULT_MAX_PENDING_CONNECTIONS = 256

/**
 * Inbound connections from one IP address still in their handshakes at once:
 * an eighth of the total, so that silent sockets from one address (or a few)
 * leave the other slots to everyone else. An honest address rarely has more
 * than a handful in flight: a handshake takes well under a second, and
 * `--connection-rate-per-ip` admits 20 new connections a second.
 */
export const DEFAULT_MAX_PENDING_CONNECTIONS_PER_IP = 32

/**
 * Inbound streams of one protocol (hop, identify, ping, DHT, AutoNAT) open at
 * once on one connection. A browser uses one or two of each.
 */
export const DEFAULT_MAX_INBOUND_STREAMS = 32

/**
 * Largest WebSocket message accepted. libp2p sends one Noise message per
 * WebSocket message (at most 65,535 bytes plus framing); the \`ws\` library's own
 * default, 100 MiB, would let each connection make the relay buffer that much.
 */
export const DEFAULT_WS_MAX_FRAME_BYTES = 256 * 1024

/**
 * A new connection must finish its WebSocket (or TLS), Noise and yamux
 * handshakes within this time, or it is closed (slowloris guard).
 */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10 * SECOND_MS

/** On SIGTERM, relayed connections in progress get this long to finish. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10 * SECOND_MS


/** mDNS service tag relay-nodes announce and look for on a LAN. */
export const MDNS_SERVICE_TAG = 'parley-relay.local'

/** A hop request (reserve or connect) must complete within this time. */
export const DEFAULT_HOP_TIMEOUT_MS = 30 * SECOND_MS

/** After the drain, stopping the node gives up after this long and the process exits anyway. */
export const STOP_TIMEOUT_MS = 10 * SECOND_MS

/** Name of the identity key file inside the data directory. */
export const IDENTITY_FILE = 'identity.key'

/** Certificate and key of the WebRTC-Direct listener, inside the data directory. */
export const WEBRTC_DIRECT_CERT_FILE = 'webrtc-direct.pem'

/**
 * Validity of a newly created WebRTC-Direct certificate. Its SHA-256 hash is
 * part of the relay's multiaddr (`/certhash/…`), so a new certificate means new
 * addresses for every browser: it is created once, for ten years, and kept.
 * libp2p's own default (14 days, then renewed with a new hash) would silently
 * invalidate the served relay list every two weeks.
 */
export const WEBRTC_DIRECT_CERT_LIFESPAN_MS = 10 * 365 * 24 * 60 * MINUTE_MS

/** Mailbox: how long a deposited item is kept (14 days). */
export const DEFAULT_MAILBOX_TTL_MS = 14 * 24 * 60 * MINUTE_MS
/** Mailbox: bytes of items stored in all (1 GiB). */
export const DEFAULT_MAILBOX_MAX_BYTES = 1024 * MIB
/** Mailbox: items and bytes waiting for one recipient. */
export const DEFAULT_MAILBOX_RECIPIENT_ITEMS = 1000
export const DEFAULT_MAILBOX_RECIPIENT_BYTES = 32 * MIB
/** Mailbox: items and bytes one sender may have waiting here, for all its recipients together. */
export const DEFAULT_MAILBOX_SENDER_ITEMS = 2000
export const DEFAULT_MAILBOX_SENDER_BYTES = 64 * MIB
/**
 * Mailbox: items and bytes one depositor may have waiting for one recipient,
 * its share of that recipient's quota (a fifth of it): no one depositor can
 * fill someone's mailbox and shut everyone else out of it.
 */
export const DEFAULT_MAILBOX_SHARE_ITEMS = 200
export const DEFAULT_MAILBOX_SHARE_BYTES = 8 * MIB
/** Mailbox requests (deposit, list, fetch, delete) per minute from one PeerID; bursts up to this many. */
export const DEFAULT_MAILBOX_RATE_PER_PEER = 600
/** Expired mailbox items are removed this often. */
export const MAILBOX_SWEEP_INTERVAL_MS = MINUTE_MS
/** The mailbox database, inside the data directory. */
export const MAILBOX_DIR = 'mailbox'

/**
 * Prekeys (`/parley/prekeys/1.0.0`): one-time records kept per owner and
 * kind, what the app keeps topped up (MAX_ONE_TIME_PER_KIND, the most).
 */
export const DEFAULT_PREKEYS_ONE_TIME_PER_KIND = 100
/** Prekeys: bytes per owner (a full set, 100 + 100 one-time records, is 138 370 B). */
export const DEFAULT_PREKEYS_OWNER_BYTES = 150 * 1024
/** Prekeys: bytes in all (about 1900 full owners). */
export const DEFAULT_PREKEYS_MAX_BYTES = 256 * MIB
/** Prekeys: an owner that has not published, asked its status or cleared for this long is dropped (30 days). */
export const DEFAULT_PREKEYS_UNSEEN_MS = 30 * 24 * 60 * MINUTE_MS
/**
 * Prekeys: FETCHes per minute from one PeerID; bursts up to this many. A
 * member of a group of 64 (the largest) starts sessions with 63 others at
 * once: they fit one burst. The one-time keys an owner gives one requester
 * are bounded apart (DEFAULT_PREKEYS_PAIR_ONE_TIME_PER_HOUR).
 */
export const DEFAULT_PREKEYS_FETCH_PER_MINUTE = 120
/**
 * Prekeys: bundles with one-time records one requester gets of one owner
 * per hour; past it, bundles carry the last-resort key and no EC one-time
 * key, so a requester cannot drain an owner's one-time keys.
 */
export const DEFAULT_PREKEYS_PAIR_ONE_TIME_PER_HOUR = 3
/**
 * Prekeys: bundles with one-time records that requesters from one network
 * (an IPv4 address, an IPv6 /64, or one connection without an IP address)
 * get of one owner per hour, whatever their PeerIDs: PeerIDs are free, so
 * the per-PeerID share alone lets one machine drain an owner's one-time keys
 * with a new PeerID per fetch. Past it, bundles carry the last-resort key
 * only. Ten leaves room for a household or an office behind one address.
 */
export const DEFAULT_PREKEYS_NETWORK_ONE_TIME_PER_HOUR = 10
/** Prekeys: requests of any kind per minute from one PeerID (the FETCH rate is lower). */
export const PREKEYS_RATE_PER_PEER = 60
/**
 * Prekeys: PUBLISHes per minute from one PeerID. The relay checks every
 * record's signature (about 1 ms each in noble, 202 in the largest
 * PUBLISH), and an owner publishes at start and when refilling.
 */
export const PREKEYS_PUBLISH_PER_MINUTE = 6
/** Owners unseen too long are dropped this often. */
export const PREKEYS_SWEEP_INTERVAL_MS = 60 * MINUTE_MS
/** The prekey database, inside the data directory. */
export const PREKEYS_DIR = 'prekeys'

/**
 * Instance streams (`/parley/instance/1.0.0`) held in all: one per browser
 * connection at the default connection cap (DEFAULT_MAX_CONNECTIONS); each
 * costs a yamux stream and a few hundred bytes.
 */
export const DEFAULT_MAX_INSTANCE_STREAMS = 12_288

/**
 * Every connection is checked this often (relay-node/src/keepalive.ts): a
 * WebSocket ping frame, or a libp2p ping on other transports. One that has
 * not answered by its next turn is closed, so a dead peer goes within two
 * intervals. libp2p's own connection monitor is off: it pings every
 * connection in the same tick, which stalls a relay with thousands of them.
 */
export const KEEPALIVE_INTERVAL_MS = 15 * SECOND_MS
/** The interval is spread over this many turns, each checking its share of the connections. */
export const KEEPALIVE_SLICES = 15
