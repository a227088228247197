// Every tsconfig of the workspace that has files to check, for the type-check and for ESLint.
// A package's tsconfig.test.json counts only once the package has tests: an empty project is
// an error for both tools.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/** Project paths relative to `root`, e.g. `packages/core/tsconfig.json`. */
export function typeScriptProjects(root) {
  const projects = ['tsconfig.json', 'bench/tsconfig.json']
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const dir = join(root, group, name)
      if (existsSync(join(dir, 'tsconfig.json'))) projects.push(`${group}/${name}/tsconfig.json`)
      if (existsSync(join(dir, 'tsconfig.test.json')) && hasTests(dir)) {
        projects.push(`${group}/${name}/tsconfig.test.json`)
      }
    }
  }
  return projects
}

function hasTests(dir) {
  const walk = (path, inTestDir) =>
    readdirSync(path, { withFileTypes: true }).some((entry) =>
      entry.isDirectory()
        ? entry.name !== 'node_modules' && walk(join(path, entry.name), inTestDir)
        : /\.test\.tsx?$/.test(entry.name) || (inTestDir && entry.name.endsWith('.ts')),
    )
  return (
    (existsSync(join(dir, 'src')) && walk(join(dir, 'src'), false)) ||
    ['test', 'testing'].some((sub) => existsSync(join(dir, sub)) && walk(join(dir, sub), true))
  )
}
