// @ts-check
import { defineConfig, globalIgnores } from 'eslint/config'
import tseslint from 'typescript-eslint'
import svelte from 'eslint-plugin-svelte'
import vitest from '@vitest/eslint-plugin'
import playwright from 'eslint-plugin-playwright'
import globals from 'globals'

/**
 * Module boundaries (STYLE.md "Boundaries"). Patterns are gitignore-style and
 * are matched against the import specifier, so they cover package names and
 * relative paths alike.
 */
const NETWORK_PACKAGES = ['libp2p', 'libp2p/*', '@libp2p/*', '@chainsafe/*', '@multiformats/*']
const SVELTE_PACKAGES = ['svelte', 'svelte/*']

/** UI code talks to the node only through `src/lib/rpc/client.ts`. */
const UI_RESTRICTIONS = {
  patterns: [
    {
      group: NETWORK_PACKAGES,
      message: 'UI code must not import libp2p: go through src/lib/rpc/client.ts.'
    },
    {
      group: ['**/workers/**', '**/workers', '**/lib/node/**', '**/lib/node', '../node/**', '../node'],
      message: 'UI code must not import the worker or src/lib/node: go through src/lib/rpc/client.ts.'
    }
  ]
}

/** Storage stays free of networking and of the UI framework. */
const DB_RESTRICTIONS = {
  patterns: [
    { group: ['libp2p', 'libp2p/*', '@libp2p/*'], message: 'src/lib/db must not import libp2p.' },
    { group: SVELTE_PACKAGES, message: 'src/lib/db must not import svelte.' }
  ]
}

/** The network layer runs in a worker and knows nothing of the UI framework. */
const P2P_RESTRICTIONS = {
  patterns: [{ group: SVELTE_PACKAGES, message: 'src/lib/node must not import svelte.' }]
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

  // Boundaries.
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
    name: 'parley/boundaries/p2p',
    files: ['src/lib/node/**'],
    rules: { 'no-restricted-imports': ['error', P2P_RESTRICTIONS] }
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
