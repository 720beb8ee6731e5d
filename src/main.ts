/**
 * App bootstrap: tell the state how this tab reaches its node
 * (node-connection.ts: the workers, the WebRTC host), then mount the UI.
 * The connection itself is opened by the first `getNodeManager()` call
 * (App.svelte).
 */
import { mount } from 'svelte'
import { useNodeConnection } from './lib/state/node-manager.svelte.ts'
import { connectTab } from './node-connection.ts'
import Root from './Root.svelte'
import './app.css'

useNodeConnection(connectTab)

const target = document.getElementById('app')
if (target === null) {
  throw new Error('index.html has no #app element')
}

export default mount(Root, { target })
