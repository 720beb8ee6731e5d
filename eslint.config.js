// @ts-check
import { defineConfig, globalIgnores } from 'eslint/config'
import tseslint from 'typescript-eslint'
import svelte from 'eslint-plugin-svelte'
import vitest from '@vitest/eslint-plugin'
import playwright from 'eslint-plugin-playwright'
import globals from 'globals'
import featureOrder from './eslint-rules/feature-order.js'

/**
 * Module boundaries (docs/architecture.md, "Who may import whom"). Patterns are gitignore-style and
 * are matched against the import specifier, so they cover package names and
 * relative paths alike.
 */
const NETWORK_PACKAGES = ['libp2p', 'libp2p/*', '@libp2p/*', '@chainsafe/*', '@multiformats/*']
const SVELTE_PACKAGES = ['svelte', 'svelte/*']

/**
 * Every part of the app: the relay's source and the protocol package's source
 * are reached only through the package (`@parley/protocol`), never by path.
 */
const APP_COMMON = [
  {
    group: ['**/relay-node/**', '**/relay-node'],
    message: 'The app must not import relay-node: shared wire code lives in @parley/protocol.'
  },
  {
    group: ['**/packages/protocol/**'],
    message: 'Import @parley/protocol by its package name, not by path.'
  }
]

/** The worker and the database speak error codes; only the tab has words (lib/i18n, lib/ui). */
const NO_WORDS = [
  {
    group: ['**/i18n/**', '**/i18n'],
    message: 'The worker, the database and the contract speak error codes: only the tab words them (lib/i18n).'
  }
]

/** UI code talks to the node only through `src/lib/rpc/client.ts`. */
const UI_RESTRICTIONS = {
  patterns: [
    ...APP_COMMON,
    {
      group: NETWORK_PACKAGES,
      message: 'UI code must not import libp2p: go through src/lib/rpc/client.ts.'
    },
    {
      group: ['**/workers/**', '**/workers', '**/lib/p2p/**', '**/lib/p2p', '../p2p/**', '../p2p'],
      message: 'UI code must not import the worker or src/lib/p2p: go through src/lib/rpc/client.ts.'
    }
  ]
}

/** Storage stays free of networking, of the UI framework and of words. */
const DB_RESTRICTIONS = {
  patterns: [
    ...APP_COMMON,
    ...NO_WORDS,
    { group: ['libp2p', 'libp2p/*', '@libp2p/*'], message: 'src/lib/db must not import libp2p.' },
    { group: SVELTE_PACKAGES, message: 'src/lib/db must not import svelte.' }
  ]
}

/**
 * The node runs in a worker and knows nothing of the UI framework or of
 * words, nor of the transport that carries the tabs' calls to it (lib/rpc):
 * what it shares with the tab is the contract.
 */
const NODE_RESTRICTIONS = {
  patterns: [
    ...APP_COMMON,
    ...NO_WORDS,
    { group: SVELTE_PACKAGES, message: 'src/lib/p2p must not import svelte.' },
    { group: ['**/lib/rpc/**', '../../rpc/**', '../../rpc'], message: 'src/lib/p2p does not depend on the RPC transport: what it shares with the tab is in src/lib/contract.' }
  ]
}

/**
 * The worker's features, lowest first (docs/architecture.md, "The order of
 * features"): under src/lib/p2p, a feature imports only the kernel and
 * features before it in this list, through their index.ts; the kernel imports
 * no feature; only the composition root (root/) imports features freely, and
 * only src/workers import the root (eslint-rules/feature-order.js).
 */
export const FEATURE_ORDER = ['identity', 'contacts', 'relays', 'presence', 'sessions', 'messaging', 'transfers', 'groups', 'actions', 'calls', 'nearby', 'instances', 'diagnostics']

/** The worker entry points, the files store, the RPC layer and the contract: no words, no UI. */
const WORKER_SIDE_RESTRICTIONS = {
  patterns: [
    ...APP_COMMON,
    ...NO_WORDS,
    { group: SVELTE_PACKAGES, message: 'This part runs in the worker (or on both sides) and must not import svelte.' }
  ]
}

/** Wire code only: libp2p interfaces and utilities, @noble; nothing of the app, the relay or the UI. */
const PROTOCOL_RESTRICTIONS = {
  patterns: [
    { group: ['**/src/lib/**', '**/relay-node/**', '../../../src/**'], message: '@parley/protocol must not import the app or relay-node.' },
    { group: [...SVELTE_PACKAGES, 'dexie', 'dexie/*'], message: '@parley/protocol is pure wire code: no svelte, no dexie.' },
    { group: ['**/i18n/**', '**/i18n'], message: '@parley/protocol speaks error codes, never words.' }
  ]
}

/** The relay shares wire code with the app only through @parley/protocol. */
const RELAY_RESTRICTIONS = {
  patterns: [
    { group: ['**/src/lib/**', '**/src/workers/**', '../../src/**'], message: 'relay-node must not import the app: shared wire code lives in @parley/protocol.' },
    { group: ['**/packages/protocol/**'], message: 'Import @parley/protocol by its package name, not by path.' }
  ]
}

export default defineConfig(
  globalIgnores([
    'dist/',
    'dev-dist/',
    '**/node_modules/',
    'relay-node/dist/',
    'packages/*/dist/',
    'test-results/',
    'playwright-report/',
    '.relay-data/'
  ]),

  tseslint.configs.recommended,
  {
    name: 'parley/typescript',
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }
      ]
    }
  },

  // Svelte components and rune modules, with the TypeScript parser for <script lang="ts">.
  svelte.configs['flat/recommended'],
  {
    name: 'parley/svelte',
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte']
      }
    },
    // message bodies, names and file names are text only (issue 9 "safe rendering"); the
    // recommended set has this already: kept explicit so no config edit drops it
    rules: { 'svelte/no-at-html-tags': 'error' }
  },

  // Environments.
  {
    name: 'parley/browser-globals',
    files: ['src/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } }
  },
  {
    name: 'parley/node-globals',
    files: ['scripts/**', 'relay-node/**', 'packages/**', 'tests/**', '*.config.{js,ts}'],
    languageOptions: { globals: { ...globals.node } }
  },

  // Boundaries (a file gets the rule of the last block that matches it).
  {
    name: 'parley/boundaries/app',
    files: ['src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: APP_COMMON }] }
  },
  {
    name: 'parley/boundaries/worker-side',
    files: ['src/workers/**', 'src/lib/files/**', 'src/lib/rpc/**', 'src/lib/contract/**'],
    rules: { 'no-restricted-imports': ['error', WORKER_SIDE_RESTRICTIONS] }
  },
  {
    name: 'parley/boundaries/ui',
    files: ['src/routes/**', 'src/lib/ui/**', 'src/lib/state/**'],
    rules: { 'no-restricted-imports': ['error', UI_RESTRICTIONS] }
  },
  {
    name: 'parley/boundaries/db',
    files: ['src/lib/db/**'],
    rules: { 'no-restricted-imports': ['error', DB_RESTRICTIONS] }
  },
  {
    name: 'parley/boundaries/node',
    files: ['src/lib/p2p/**'],
    rules: { 'no-restricted-imports': ['error', NODE_RESTRICTIONS] }
  },
  {
    name: 'parley/boundaries/feature-order',
    files: ['src/lib/p2p/**'],
    plugins: { parley: { rules: { 'feature-order': featureOrder } } },
    rules: { 'parley/feature-order': ['error', { root: 'src/lib/p2p', kernel: 'kernel', composition: 'root', order: FEATURE_ORDER }] }
  },
  {
    name: 'parley/boundaries/protocol',
    files: ['packages/protocol/src/**'],
    rules: { 'no-restricted-imports': ['error', PROTOCOL_RESTRICTIONS] }
  },
  {
    name: 'parley/boundaries/relay',
    files: ['relay-node/src/**'],
    rules: { 'no-restricted-imports': ['error', RELAY_RESTRICTIONS] }
  },

  // Unit tests (vitest).
  {
    name: 'parley/vitest',
    files: ['tests/unit/**', 'relay-node/test/**', 'packages/*/test/**'],
    ...vitest.configs.recommended,
    rules: {
      ...vitest.configs.recommended.rules,
      // helpers named expect… (tests/support/words.ts expectRefusal, a file's own expectX) assert too
      'vitest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*'] }],
      'vitest/no-disabled-tests': 'error',
      'vitest/no-focused-tests': 'error'
    }
  },

  // End-to-end tests (playwright).
  {
    name: 'parley/playwright',
    files: ['tests/e2e/**'],
    ...playwright.configs['flat/recommended'],
    rules: {
      ...playwright.configs['flat/recommended'].rules,
      'playwright/valid-expect': 'error',
      'playwright/no-wait-for-timeout': 'error',
      'playwright/no-skipped-test': 'error',
      'playwright/no-focused-test': 'error',
      // helpers in tests/e2e/helpers that assert with expect() count as assertions
      'playwright/expect-expect': ['warn', { assertFunctionNames: ['expectTabsShareChat', 'expectPath', 'expectOnline'] }]
    }
  }
)
