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
export const FEATURE_ORDER = ['identity', 'devices', 'contacts', 'relays', 'presence', 'sessions', 'messaging', 'transfers', 'groups', 'actions', 'calls', 'group-calls', 'nearby', 'push', 'instances', 'diagnostics', 'sync', 'link']

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

/**
 * The tab flows one way (docs/architecture.md, "Who may import whom"):
 * routes → state managers → widgets. These go under
 * `@typescript-eslint/no-restricted-imports` (which tells a type import
 * from a value import), so they add to the boundaries above instead of
 * replacing them.
 */
const DB_HANDLE = ['**/db/db.ts', '**/db/db']
/** The database's modules whose types a tab layer may name: all but the handle (a type-only import of it is still refused). */
const DB_TYPES = ['**/lib/db/**', '../db/**', '!**/db/db.ts', '!**/db/db']
const DEXIE = ['dexie', 'dexie/*']
const LIVE = ['**/state/live.svelte.ts', '**/state/live.svelte']

/**
 * Routes reach the database through state managers: no value from db/ (its
 * row types are fine), no Dexie, no `live()` or `getDb()` of their own.
 */
const ROUTE_DIRECTION = {
  patterns: [
    { group: DB_TYPES, allowTypeImports: true, message: 'Routes read the database through a state manager (src/lib/state); only the rows\' types come from src/lib/db.' },
    { group: [...LIVE, ...DEXIE, ...DB_HANDLE], message: 'Routes run no queries: a state manager reads the database (live(), getDb(), the handle and Dexie are its tools).' }
  ]
}

/**
 * What makes a query, and so what a widget may not reach: Dexie (liveQuery,
 * tables), the database handle (db/db.ts, even as a type: a widget handed
 * one could query it), the database's query modules (any value from db/;
 * the rows' types are fine), `live()` and `getDb()`, and the state managers
 * that run them (nothing of state/, types included: a widget declares what
 * it takes and a manager fits it). Raw IndexedDB is a restricted global.
 */
const WIDGET_DIRECTION = {
  patterns: [
    { group: ['**/state/**', '**/state'], message: 'Widgets take props and emit events: no state manager (src/lib/state), not even its types. Declare what the widget takes; the screen passes the manager in.' },
    { group: [...DEXIE, ...DB_HANDLE], message: 'Widgets run no queries: no Dexie and no database handle.' },
    { group: DB_TYPES, allowTypeImports: true, message: 'Widgets run no queries: only the rows\' types come from src/lib/db; the screen passes the rows in.' },
    { group: ['**/lib/rpc/**', '**/lib/rpc', '../rpc/**', '../rpc'], allowTypeImports: true, message: 'Widgets make no calls to the node: they emit events, and a state manager calls.' }
  ]
}

/**
 * The same for `import()`, which no-restricted-imports does not see: a
 * lazily loaded query is still a query. (esquery's regular expressions take
 * no '/', hence \x2F.)
 */
const LAZY_STATE_OR_DB = 'ImportExpression[source.value=/(^|\\x2F)(state|db)\\x2F|^dexie/]'
const LAZY_DB_OR_LIVE = 'ImportExpression[source.value=/\\x2Flib\\x2Fdb\\x2F|\\x2Fstate\\x2Flive[.]svelte|^dexie/]'

/** The neutral layer (src/lib/model): pure rules and shared names, below the tab's state and widgets and usable by the worker. */
const MODEL_DIRECTION = {
  patterns: [
    { group: ['**/state/**', '**/state', '**/ui/**', '**/ui', '**/routes/**', '**/lib/rpc/**', '**/lib/p2p/**', '../rpc/**', '../p2p/**'], message: 'src/lib/model is below the tab and the worker: it imports none of them.' },
    { group: [...DEXIE, ...DB_HANDLE, ...SVELTE_PACKAGES], message: 'src/lib/model is pure: no Dexie, no database handle, no Svelte.' },
    { group: DB_TYPES, allowTypeImports: true, message: 'src/lib/model takes rows, it does not read them: only types from src/lib/db.' },
    { group: ['**/i18n/**', '**/i18n'], message: 'src/lib/model is shared with the worker, which speaks codes: no words here.' }
  ]
}

/** State managers feed widgets; they never import them (the widgets' helpers they need live in src/lib/model). */
const STATE_DIRECTION = {
  patterns: [
    { group: ['**/ui/**', '**/ui', '**/routes/**', '**/routes'], message: 'src/lib/state imports nothing from src/lib/ui or the routes: shared helpers live in src/lib/model.' }
  ]
}

/** The contract is what crosses the tab/worker line; the database stores it and may import it, not the other way. */
const CONTRACT_DIRECTION = {
  patterns: [
    { group: ['**/db/**', '**/db', '../db/**', '../../db/**'], message: 'src/lib/contract imports nothing from src/lib/db: the types both need live in the contract (contract/rows.ts).' }
  ]
}

/** The RPC layer is the transport; the tab's bootstrap (src/node-connection.ts) composes it with the WebRTC host. */
const RPC_DIRECTION = {
  patterns: [
    { group: ['**/webrtc-bridge/**', '**/webrtc-bridge'], message: 'src/lib/rpc is the transport only: the WebRTC host is put together by the tab\'s bootstrap (src/node-connection.ts).' }
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
    '.relay-data/',
    // code that breaks the boundaries on purpose: tests/unit/lint lints it under a path in src/
    'tests/unit/lint/fixtures/'
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

  // The tab's direction (routes → state managers → widgets), and the layers under it.
  {
    name: 'parley/direction/routes',
    files: ['src/routes/**', 'src/*.svelte'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', ROUTE_DIRECTION],
      'no-restricted-globals': ['error', { name: 'indexedDB', message: 'Routes run no queries: a state manager reads the database.' }],
      'no-restricted-syntax': ['error', { selector: LAZY_DB_OR_LIVE, message: 'Routes run no queries, loaded lazily or not: a state manager reads the database.' }]
    }
  },
  {
    name: 'parley/direction/widgets',
    files: ['src/lib/ui/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', WIDGET_DIRECTION],
      'no-restricted-globals': ['error', { name: 'indexedDB', message: 'Widgets run no queries: the screen passes the rows in.' }],
      'no-restricted-syntax': ['error', { selector: LAZY_STATE_OR_DB, message: 'Widgets run no queries, loaded lazily or not: no state manager, database module or Dexie through import().' }]
    }
  },
  {
    name: 'parley/direction/state',
    files: ['src/lib/state/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', STATE_DIRECTION] }
  },
  {
    name: 'parley/direction/model',
    files: ['src/lib/model/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', MODEL_DIRECTION] }
  },
  {
    name: 'parley/direction/contract',
    files: ['src/lib/contract/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', CONTRACT_DIRECTION] }
  },
  {
    name: 'parley/direction/rpc',
    files: ['src/lib/rpc/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', RPC_DIRECTION] }
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
