/**
 * App bootstrap: tell the state how this tab reaches its node
 * (node-connection.ts: the workers, the WebRTC host), then mount the UI once
 * the language in use has its strings (a Russian browser's or choice loads
 * them first: lib/i18n/load-locale.ts), so that the first paint is in it.
 * The connection itself is opened by the first `getNodeManager()` call
 * (App.svelte).
 */
import { mount } from 'svelte'
import { useNodeConnection } from './lib/state/node-manager.svelte.ts'
import { preferences } from './lib/state/preferences.svelte.ts'
import { connectTab } from './node-connection.ts'
import Root from './Root.svelte'
import './app.css'

useNodeConnection(connectTab)

const target = document.getElementById('app')
if (target === null) {
  throw new Error('index.html has no #app element')
}

// English is in the shell: this waits only for a Russian user's strings (never rejects: English if they
// cannot load). Not a top-level await: with one, the bundler splits the modules that lazy chunks share
// with the entry into chunks of their own (a lazy chunk must not wait for the entry), 20 files in the shell.
void preferences.ready.then(() => mount(Root, { target }))
