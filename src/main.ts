/**
 * App bootstrap: mount the UI. The node connection is opened lazily by the
 * first `getNodeManager()` call (App.svelte), so this module stays tiny.
 */
import { mount } from 'svelte'
import Root from './Root.svelte'
import './app.css'

const target = document.getElementById('app')
if (target === null) {
  throw new Error('index.html has no #app element')
}

export default mount(Root, { target })
