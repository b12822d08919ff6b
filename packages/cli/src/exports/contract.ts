// `saas-fulfillment/contract`: the same as `@saas-fulfillment/contract`, for code that imports it through the CLI package.
export * from '@saas-fulfillment/contract';
