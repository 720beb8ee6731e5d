/**
 * App bootstrap: mount the UI. The node connection is opened lazily by the
 * first `getNodeManager()` call (App.svelte), so this module stays tiny.
 */
import { mount } from 'svelte'
import App from './App.svelte'
import './app.css'

const target = document.getElementById('app')
if (target === null) {
  throw new Error('index.html has no #app element')
}

export default mount(App, { target })
