import { startHonoApp } from './support/apps/hono-app.ts'
import { runBehaviourSuite } from './support/behaviour-suite.ts'

runBehaviourSuite('hono', startHonoApp)
