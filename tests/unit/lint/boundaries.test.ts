import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

/**
 * The import boundaries (docs/architecture.md, "Who may import whom") are
 * enforced by eslint.config.js; these tests make sure the rules really fire
 * (and do not fire where imports are allowed), so a config edit cannot
 * silently switch them off.
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
    ['src/lib/state/probe.ts', "import { NodeRoot } from '../p2p/root/root.ts'"],
    ['src/routes/Probe.ts', "import '../workers/node.worker.ts'"],
    ['src/lib/db/probe.ts', "import { createLibp2p } from 'libp2p'"],
    ['src/lib/db/probe.ts', "import { mount } from 'svelte'"],
    ['src/lib/p2p/probe.ts', "import { mount } from 'svelte'"],
    ['src/lib/p2p/root/probe.ts', "import { InvalidParamsError } from '../../rpc/errors.ts'"],
    // the worker side speaks codes: no words
    ['src/lib/p2p/contacts/probe.ts', "import { t } from '../../i18n/index.ts'"],
    ['src/lib/db/probe.ts', "import { t } from '../i18n/index.ts'"],
    ['src/lib/files/probe.ts', "import { t } from '../i18n/index.ts'"],
    ['src/lib/contract/probe.ts', "import { errorText } from '../i18n/error-text.ts'"],
    ['src/workers/probe.ts', "import { setLocale } from '../lib/i18n/index.ts'"],
    // wire code only through the package
    ['src/lib/state/probe.ts', "import { MAX_TEXT_BYTES } from '../../../relay-node/src/constants.ts'"],
    ['src/lib/p2p/probe.ts', "import { CHAT_PROTOCOL } from '../../../packages/protocol/src/ids.ts'"],
    ['packages/protocol/src/probe.ts', "import { openDb } from '../../../src/lib/db/db.ts'"],
    ['packages/protocol/src/probe.ts', "import Dexie from 'dexie'"],
    ['packages/protocol/src/probe.ts', "import { mount } from 'svelte'"],
    ['relay-node/src/probe.ts', "import { createLibp2pNode } from '../../src/lib/p2p/root/libp2p.ts'"],
    ['relay-node/src/probe.ts', "import { CHAT_PROTOCOL } from '../../packages/protocol/src/ids.ts'"]
  ])('%s may not: %s', async (filePath, code) => {
    expect(await restrictedImports(filePath, `${code}\nexport {}\n`)).not.toEqual([])
  })

  it.each([
    ['src/routes/Probe.ts', "import { connectToNode } from '../lib/rpc/connect.ts'"],
    ['src/lib/state/probe.ts', "import { chatMessages } from '../db/messages.ts'"],
    ['src/lib/p2p/probe.ts', "import { createLibp2p } from 'libp2p'"],
    ['src/lib/p2p/probe.ts', "import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'"],
    ['src/lib/ui/probe.ts', "import { t } from '../i18n/index.ts'"],
    ['src/workers/probe.ts', "import { NodeRoot } from '../lib/p2p/root/root.ts'"],
    ['relay-node/src/probe.ts', "import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'"],
    ['packages/protocol/src/probe.ts', "import { abortableSource } from '@libp2p/utils'"]
  ])('%s may: %s', async (filePath, code) => {
    expect(await restrictedImports(filePath, `${code}\nexport {}\n`)).toEqual([])
  })
})
