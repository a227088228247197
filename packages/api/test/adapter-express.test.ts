import { startExpressApp } from './support/apps/express-app.ts'
import { runBehaviourSuite } from './support/behaviour-suite.ts'

runBehaviourSuite('express', startExpressApp)
