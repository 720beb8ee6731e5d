import type { Rule } from 'eslint'

/** The order of the worker's features, as an ESLint rule (feature-order.js). */
declare const featureOrder: Rule.RuleModule
export default featureOrder
