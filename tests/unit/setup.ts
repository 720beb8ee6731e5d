import '../../src/lib/polyfill/promise-with-resolvers.ts'
import { WebSocket as NodeWebSocket } from 'ws'

// Node 20 has no global WebSocket (Node 22 does); @libp2p/websockets dials
// with the global one, as browsers do. Tests that run a browser-side node in
// Node (tests/integration) need it.
const g = globalThis as { WebSocket?: unknown }
g.WebSocket ??= NodeWebSocket
