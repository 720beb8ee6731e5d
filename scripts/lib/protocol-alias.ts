/**
 * In development every tool reads `@parley/protocol/<path>` from the
 * package's TypeScript sources (`packages/protocol/src/<path>.ts`): Vite and
 * Vitest through this alias, TypeScript and tsx through the `paths` of
 * tsconfig.json. The package's own `exports` name its compiled `dist/`,
 * which only the compiled relay (`node relay-node/dist/bin.js`) uses.
 */
import { fileURLToPath } from 'node:url'

const PROTOCOL_SRC = fileURLToPath(new URL('../../packages/protocol/src/', import.meta.url))

export const PROTOCOL_ALIAS = { find: /^@parley\/protocol\/(.+)$/, replacement: `${PROTOCOL_SRC}$1` }
