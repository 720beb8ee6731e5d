import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'
import featureOrder from '../../../eslint-rules/feature-order.js'

/**
 * The order of the worker's features (docs/architecture.md, "The order of
 * features"), held by eslint-rules/feature-order.js: first on a fixture (a
 * kernel, `alpha < beta`, a root), each rule firing on a bad import and quiet
 * on a good one; then the project's own config, which must apply it to
 * src/lib/p2p with the order the docs write down.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/feature-order/', import.meta.url))

const fixtureLint = new ESLint({
  cwd: FIXTURE,
  overrideConfigFile: true,
  overrideConfig: [{
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { parley: { rules: { 'feature-order': featureOrder } } },
    rules: { 'parley/feature-order': ['error', { root: '.', order: ['alpha', 'beta'] }] }
  }]
})

/** The rule's findings in a fixture file, as message ids. */
async function findings (file: string): Promise<string[]> {
  const [result] = await fixtureLint.lintFiles([file])
  return (result?.messages ?? []).map(m => m.messageId ?? `${m.ruleId ?? 'parse'}: ${m.message}`)
}

describe('feature order, on a fixture', () => {
  it.each([
    ['kernel/reaches-up.ts', 'kernelImportsFeature'],
    ['alpha/reaches-up.ts', 'notBelow'],
    ['alpha/reaches-root.ts', 'importsRoot'],
    ['beta/private.ts', 'notPublic'],
    ['stray/stray.ts', 'unknownFolder'],
    ['loose.ts', 'looseFile']
  ])('%s: %s', async (file, messageId) => {
    expect(await findings(file)).toEqual([messageId])
  })

  it.each([
    'kernel/events.ts',
    'alpha/alpha.ts',
    'alpha/index.ts',
    'beta/beta.ts',
    'beta/index.ts',
    'root/root.ts'
  ])('%s passes', async (file) => {
    expect(await findings(file)).toEqual([])
  })
})

const project = new ESLint({ cwd: process.cwd() })

async function orderFindings (filePath: string, code: string): Promise<string[]> {
  const [result] = await project.lintText(`${code}\nexport {}\n`, { filePath })
  return (result?.messages ?? []).filter(m => m.ruleId === 'parley/feature-order').map(m => m.messageId ?? m.message)
}

describe('feature order, in the project', () => {
  it('reads one order, the one docs/architecture.md writes down', async () => {
    const config = await project.calculateConfigForFile('src/lib/p2p/contacts/probe.ts') as { rules: Record<string, [unknown, { order: string[] }]> }
    const order = config.rules['parley/feature-order']?.[1].order
    const docs = readFileSync('docs/architecture.md', 'utf8')
    const written = /^`(kernel < [^`]+ < root)`$/m.exec(docs)?.[1]
    expect(written).toBe(['kernel', ...order ?? [], 'root'].join(' < '))
  })

  it.each([
    ['src/lib/p2p/contacts/probe.ts', "import { Outbox } from '../messaging/index.ts'", 'notBelow'],
    ['src/lib/p2p/messaging/probe.ts', "import { mayExchange } from '../contacts/book.ts'", 'notPublic'],
    ['src/lib/p2p/kernel/probe.ts', "import type { ContactBook } from '../contacts/index.ts'", 'kernelImportsFeature'],
    ['src/lib/p2p/contacts/probe.ts', "import { NodeRoot } from '../root/root.ts'", 'importsRoot'],
    ['src/lib/p2p/kernel/probe.ts', "import { NodeRoot } from '../root/root.ts'", 'importsRoot']
  ])('%s may not: %s', async (filePath, code, messageId) => {
    expect(await orderFindings(filePath, code)).toEqual([messageId])
  })

  it.each([
    ['src/lib/p2p/messaging/probe.ts', "import { mayExchange } from '../contacts/index.ts'"],
    ['src/lib/p2p/messaging/probe.ts', "import type { OutboxPort } from '../kernel/ports/messaging.ts'"],
    ['src/lib/p2p/root/probe.ts', "import { Outbox } from '../messaging/outbox.ts'"],
    ['src/workers/probe.ts', "import { NodeRoot } from '../lib/p2p/root/root.ts'"]
  ])('%s may: %s', async (filePath, code) => {
    expect(await orderFindings(filePath, code)).toEqual([])
  })
})
