import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { build, type PluginOption } from 'vite'
import react from '@vitejs/plugin-react'
import vue from '@vitejs/plugin-vue'

/** Folders of the built apps, each with an `index.html` for the SPA server. */
export interface BuiltApps {
  readonly spa: string
  readonly vue: string
}

const DEMO_DIR = fileURLToPath(new URL('..', import.meta.url))

/**
 * Builds the React SPA and the Vue example with Vite into `outDir` (one folder each):
 * static files only, no inline script, so the SPA server's strict CSP holds.
 */
export async function buildApps(outDir: string): Promise<BuiltApps> {
  const apps = { spa: join(outDir, 'spa'), vue: join(outDir, 'vue') }
  // One after the other: two builds at once only compete for the same cores.
  await buildApp(join(DEMO_DIR, 'spa'), apps.spa, react())
  await buildApp(join(DEMO_DIR, 'vue'), apps.vue, vue())
  return apps
}

async function buildApp(root: string, outDir: string, plugin: PluginOption): Promise<void> {
  // Vite sets NODE_ENV=production for the whole process, where the rest of the demo runs
  // (and the dev IdP refuses to start in production): put it back.
  const nodeEnv = process.env.NODE_ENV
  try {
    await build({
      root,
      configFile: false,
      logLevel: 'warn',
      plugins: [plugin],
      build: { outDir, emptyOutDir: true },
    })
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = nodeEnv
  }
}
