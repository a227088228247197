// A tiny Vue custom renderer over plain objects: real mounting, reactivity and directive
// hooks in Node, without a DOM.
import { createRenderer, type Component } from 'vue'

export interface TestNode {
  type: string
  text: string
  children: TestNode[]
  parent: TestNode | null
  props: Record<string, unknown>
  style: Record<string, string>
}

function createNode(type: string, text = ''): TestNode {
  return { type, text, children: [], parent: null, props: {}, style: {} }
}

function detach(node: TestNode) {
  const siblings = node.parent?.children
  if (siblings) siblings.splice(siblings.indexOf(node), 1)
  node.parent = null
}

const { createApp } = createRenderer<TestNode, TestNode>({
  createElement: (type) => createNode(type),
  createText: (text) => createNode('#text', text),
  createComment: (text) => createNode('#comment', text),
  setText: (node, text) => void (node.text = text),
  setElementText: (node, text) => {
    for (const child of [...node.children]) detach(child)
    if (text) nodeOps.insert(createNode('#text', text), node, null)
  },
  insert: (child, parent, anchor) => nodeOps.insert(child, parent, anchor ?? null),
  remove: detach,
  parentNode: (node) => node.parent,
  nextSibling: (node) => {
    const siblings = node.parent?.children ?? []
    return siblings[siblings.indexOf(node) + 1] ?? null
  },
  patchProp: (node, key, _previous, next) => {
    if (key === 'style') node.style = { ...(next as Record<string, string>) }
    else node.props[key] = next
  },
})

const nodeOps = {
  insert(child: TestNode, parent: TestNode, anchor: TestNode | null) {
    detach(child)
    const index = anchor ? parent.children.indexOf(anchor) : -1
    if (index === -1) parent.children.push(child)
    else parent.children.splice(index, 0, child)
    child.parent = parent
  },
}

/** The text of a node and everything below it, comments excluded. */
export function textOf(node: TestNode): string {
  if (node.type === '#text') return node.text
  return node.children.map(textOf).join('')
}

/** Finds the first element with this `id` prop. */
export function byId(node: TestNode, id: string): TestNode | undefined {
  if (node.props.id === id) return node
  for (const child of node.children) {
    const found = byId(child, id)
    if (found) return found
  }
  return undefined
}

export { createApp as createTestApp, createNode as createRoot, type Component }
