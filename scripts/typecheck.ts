// Type-checks every project of the workspace. Each package has its own tsconfig because
// `@coatcheck/core` compiles against DOM libs only, so a Node import there fails here.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { typeScriptProjects } from './typescript-projects.js'

const root = join(import.meta.dirname, '..')
const projects = typeScriptProjects(root)

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
let failed = 0
for (const project of projects) {
  const result = spawnSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) failed++
  else console.log(`typecheck ok: ${project}`)
}
process.exit(failed === 0 ? 0 : 1)
