/** Diagnostics: the speed test (its libp2p service is `/parley/speedtest/1.0.0`). */
export { diagnosticsHandlers } from './handlers.ts'
