import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

/**
 * The import boundaries of DESIGN.md §2 are enforced by eslint.config.js;
 * these tests make sure the rules really fire (and do not fire where imports
 * are allowed), so a config edit cannot silently switch them off.
 */
const eslint = new ESLint({ cwd: process.cwd() })

async function restrictedImports (filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).filter(m => m.ruleId === 'no-restricted-imports').map(m => m.message)
}

describe('import boundaries', () => {
  it.each([
    ['src/routes/Probe.ts', "import { createLibp2p } from 'libp2p'"],
    ['src/lib/ui/probe.ts', "import { noise } from '@libp2p/noise'"],
    ['src/lib/state/probe.ts', "import { multiaddr } from '@multiformats/multiaddr'"],
    ['src/lib/state/probe.ts', "import { NodeService } from '../node/kernel/node-service.ts'"],
    ['src/routes/Probe.ts', "import '../workers/node.worker.ts'"],
    ['src/lib/db/probe.ts', "import { createLibp2p } from 'libp2p'"],
    ['src/lib/db/probe.ts', "import { mount } from 'svelte'"],
    ['src/lib/node/probe.ts', "import { mount } from 'svelte'"]
  ])('%s may not: %s', async (filePath, code) => {
    expect(await restrictedImports(filePath, `${code}\nexport {}\n`)).not.toEqual([])
  })

  it.each([
    ['src/routes/Probe.ts', "import { connectToNode } from '../lib/rpc/connect.ts'"],
    ['src/lib/state/probe.ts', "import { chatMessages } from '../db/messages.ts'"],
    ['src/lib/node/probe.ts', "import { createLibp2p } from 'libp2p'"]
  ])('%s may: %s', async (filePath, code) => {
    expect(await restrictedImports(filePath, `${code}\nexport {}\n`)).toEqual([])
  })
})
