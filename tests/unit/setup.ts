import '../../src/lib/polyfill/promise-with-resolvers.ts'
// Node 20 has no global WebSocket (Node 22 does); @libp2p/websockets dials with
// the global one, as browsers do. Tests that run a browser-side node in Node
// (tests/integration) need it: relay-node installs the same browser-like one.
import '../../relay-node/src/polyfill.ts'
// The Russian strings are not here: a file that shows them imports
// tests/support/russian.ts (most show none)
